// Migrates the database and creates the first admin, then exits: what a panel
// container runs before `next start` (npm start does the same itself).
import { ConfigError, readEnv } from '@/lib/config/env';
import { migrate } from '@/lib/db/migrate';
import { resolveDatabase } from '@/lib/db/resolve';
import { ensureFirstAdmin } from './start/first-admin';

try {
  const env = readEnv();
  const cluster = await resolveDatabase(env);
  const applied = await migrate(cluster.url);
  if (applied.length) console.log(`[postern] applied migrations: ${applied.join(', ')}`);
  const admin = await ensureFirstAdmin(cluster.url, env);
  if (admin.generatedPassword) console.log(`[postern] first admin: ${admin.email} / ${admin.generatedPassword} (shown once)`);
  await cluster.stop();
} catch (err) {
  console.error(`postern: ${err instanceof ConfigError ? err.message : (err as Error).stack}`);
  process.exit(1);
}
