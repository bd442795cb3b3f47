import Image from "next/image";

export default function Page() {
  return <Image src="/a.png" alt="" width={10} height={10} />;
}
