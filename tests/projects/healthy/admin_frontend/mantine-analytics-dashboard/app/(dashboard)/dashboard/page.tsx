export default function Dashboard() {
  return <h1>Sales overview</h1>;
}
