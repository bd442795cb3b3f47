import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Traefik routes PathPrefix(`/m`) here without stripping it.
  basePath: "/m",
  output: "standalone",
};

export default nextConfig;
