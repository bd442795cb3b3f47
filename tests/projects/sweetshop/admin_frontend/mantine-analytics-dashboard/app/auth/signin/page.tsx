export default function Page() {
  return <form aria-label="signin" />;
}
