import Link from 'next/link';
import { ProductCard } from '@/components/ProductCard';

async function getProducts() {
  const res = await fetch(`${process.env.NEXT_PUBLIC_API_URL}/products`, { cache: 'no-store' });
  return res.ok ? res.json() : [];
}

export default async function Home() {
  const products: { slug: string; name: string; image: string }[] = await getProducts();
  return (
    <main>
      <h1>Kabul Sweets</h1>
      {products.map((p) => (
        <Link key={p.slug} href={`/products/${p.slug}`}>
          <ProductCard name={p.name} image={p.image} />
        </Link>
      ))}
    </main>
  );
}
