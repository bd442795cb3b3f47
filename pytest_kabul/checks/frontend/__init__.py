"""Frontend checks: Next.js apps, their images and middleware."""
