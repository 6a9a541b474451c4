import type pg from 'pg';
import type { Db } from '@/lib/db/prisma';
import { withTransaction } from '@/lib/db/transaction';
import { prismaSql, type Sql } from './sql';

/** A database handle that can also run a function in one transaction. */
export interface Runner {
  sql: Sql;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export function pgRunner(pool: pg.Pool): Runner {
  return {
    sql: pool,
    transaction: (fn) => withTransaction(pool, fn),
  };
}

export function prismaRunner(db: Db): Runner {
  return {
    sql: prismaSql(db),
    transaction: (fn) => db.$transaction((tx) => fn(prismaSql(tx)), { timeout: 120_000, maxWait: 30_000 }),
  };
}
