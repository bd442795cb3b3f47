export default async function Home() {
  const res = await fetch(`${process.env.NEXT_PUBLIC_API_URL}/health`);
  return <pre>{JSON.stringify(await res.json())}</pre>;
}
