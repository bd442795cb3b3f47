import Image from "next/image";

export function ProductCard({ name, image }: { name: string; image: string }) {
  return (
    <div className="card">
      <Image src={image} alt={name} width={320} height={240} />
      <span>{name}</span>
    </div>
  );
}
