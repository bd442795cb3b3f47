export function getServerApiUrl(): string {
  return process.env.API_URL ?? "http://api:8000";
}
