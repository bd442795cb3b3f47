export default function loader({ src, width }: { src: string; width: number }) {
  return `https://cdn.example.com${src}?w=${width}`;
}
