/** @type {import('next').NextConfig} */
const nextConfig = {
  // Self-contained server for the Docker image (see Dockerfile).
  output: 'standalone',
  images: {
    remotePatterns: [{ protocol: 'http', hostname: 'localhost', port: '8000' }],
  },
};

export default nextConfig;
