/** @type {import('next').NextConfig} */
module.exports = {
  output: "export", // static HTML on a CDN: no image optimiser at run time
  images: { unoptimized: true },
};
