import { defineConfig } from 'prisma/config';

// Migrations are applied by lib/db/migrate.ts (the schema engine cannot run here);
// this file only tells `prisma generate` where the schema is.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
