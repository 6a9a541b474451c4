import path from 'node:path';
import pg from 'pg';
import type { Env } from '@/lib/config/env';
import { ConfigError } from '@/lib/config/env';
import { loadSecrets } from '@/lib/config/secrets';
import { openEmbedded, type EmbeddedCluster } from '@/lib/postgres/embedded';

/**
 * The database this process should use: DATABASE_URL when given, otherwise the
 * embedded cluster in $POSTERN_DATA_DIR/postgres (found running, or started for
 * as long as this process needs it). Fails with a one-line ConfigError when the
 * database cannot be reached.
 */
export async function resolveDatabase(env: Env): Promise<EmbeddedCluster> {
  let cluster: EmbeddedCluster;
  if (env.DATABASE_URL) {
    cluster = { url: env.DATABASE_URL, stop: async () => {} };
  } else {
    const secrets = loadSecrets(env.dataDir);
    try {
      cluster = await openEmbedded(path.join(env.dataDir, 'postgres'), secrets.postgresPassword, { port: env.POSTERN_PG_PORT });
    } catch (err) {
      throw new ConfigError(`cannot start the embedded Postgres in ${env.dataDir}/postgres: ${(err as Error).message}`);
    }
  }
  await assertReachable(cluster.url);
  return cluster;
}

export async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const where = new URL(url);
    throw new ConfigError(`cannot reach the database at ${where.host}${where.pathname}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
