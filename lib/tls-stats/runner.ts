import type pg from 'pg';
import type { Db } from '@/lib/db/prisma';
import { prismaSql, type Sql } from './sql';

/** A database handle that can also run a function in one transaction. */
export interface Runner {
  sql: Sql;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export function pgRunner(pool: pg.Pool): Runner {
  return {
    sql: pool,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await fn(client);
        await client.query('COMMIT');
        return r;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

export function prismaRunner(db: Db): Runner {
  return {
    sql: prismaSql(db),
    transaction: (fn) => db.$transaction((tx) => fn(prismaSql(tx)), { timeout: 120_000, maxWait: 30_000 }),
  };
}
