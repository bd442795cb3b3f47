// next/legacy/image keeps the pre-13 layout API; it still goes through the optimiser.
import Image from 'next/legacy/image';

export function Hero() {
  return <Image src="/hero.jpg" alt="" width={1200} height={600} layout="responsive" />;
}
