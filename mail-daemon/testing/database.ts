import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '@/lib/db/migrate';
import { createPool } from '@/lib/db/pool';
import { createPrisma, type Db } from '@/lib/db/prisma';

export interface TestDatabase {
  url: string;
  prisma: Db;
  /**
   * A pg pool on this database, for tests that hand-write SQL. pool.end() resolves before
   * its clients' sockets have closed, so drop()'s DROP DATABASE … WITH (FORCE) can cut a
   * client still closing; createPool's listeners take the 'error' for that.
   */
  pool(max?: number): pg.Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** An empty database in the run's Postgres; migrated unless `migrated: false`. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const server = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(server, name);
  if (options.migrated !== false) await migrate(url);
  const prisma = createPrisma(url);
  return {
    url,
    prisma,
    pool(max = 10) {
      return createPool(url, { max });
    },
    async drop() {
      await prisma.$disconnect();
      const c = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
