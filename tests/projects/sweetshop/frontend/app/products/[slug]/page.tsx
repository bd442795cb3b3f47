import Image from 'next/image';

export default async function ProductPage({ params }: { params: { slug: string } }) {
  const res = await fetch(`${process.env.NEXT_PUBLIC_API_URL}/products/${params.slug}`);
  const product = await res.json();
  return (
    <article>
      <h1>{product.name}</h1>
      <Image src={product.image} alt={product.name} width={800} height={600} priority />
    </article>
  );
}
