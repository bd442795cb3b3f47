export default function Page() {
  return <form aria-label="reset-password" />;
}
