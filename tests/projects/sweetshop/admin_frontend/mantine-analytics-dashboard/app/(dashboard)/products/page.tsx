import Image from 'next/image';

export default function Products() {
  return <Image src="https://images.unsplash.com/photo-1" alt="cake" width={400} height={300} />;
}
