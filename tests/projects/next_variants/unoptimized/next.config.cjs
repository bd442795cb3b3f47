// output: 'standalone' is commented out, so it must not count
// output: 'standalone',
module.exports = { images: { unoptimized: true } };
