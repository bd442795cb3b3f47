import Image from 'next/image';

export function Logo() {
  return <Image src="/logo.svg" alt="Kabul Sweets admin" width={120} height={32} />;
}
