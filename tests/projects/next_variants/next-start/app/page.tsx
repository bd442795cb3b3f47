import Image from "next/image";

export default function Page() {
  return <Image src="/hero.png" alt="" width={640} height={480} />;
}
