import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@/lib/db/migrate';
import { openEmbedded } from '@/lib/postgres/embedded';

export interface BenchDatabase {
  /** The migrated throwaway database. */
  url: string;
  /** A scratch directory for the run (data dirs, configs); removed by drop(). */
  tmp: string;
  drop(): Promise<void>;
}

/**
 * A migrated throwaway database for one benchmark run: in DATABASE_URL's server
 * when set, else in a throwaway embedded cluster. drop() removes all of it.
 */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `postern-bench-${name}-`));
  fs.chmodSync(tmp, 0o755); // as root, Postgres runs as the postgres user
  const cluster = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => {} }
    : await openEmbedded(path.join(tmp, 'pg'), 'bench');
  const at = (database: string) => Object.assign(new URL(cluster.url), { pathname: `/${database}` }).toString();
  const dbName = `bench_${name.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const maintenance = async (sql: string) => {
    const c = new pg.Client({ connectionString: at('postgres') });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await maintenance(`CREATE DATABASE ${dbName}`);
  const url = at(dbName);
  await migrate(url);
  return {
    url,
    tmp,
    async drop() {
      await maintenance(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await cluster.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** `--name N` from the command line, or the fallback. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
