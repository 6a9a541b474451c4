/**
 * The one thing the TLS statistics need from a database handle: run a parameterised statement and get rows.
 * A pg.PoolClient (the delivery transaction) satisfies it as is; Prisma clients go through prismaSql().
 */
export interface Sql {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<T = any>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

interface RawCapable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export function prismaSql(db: RawCapable): Sql {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      const rows = await db.$queryRawUnsafe<T[]>(text, ...params);
      return { rows: Array.isArray(rows) ? rows : [] };
    },
  };
}

/** The zero UUID stands for "no mailbox / no domain" in aggregate keys (keys are NOT NULL). */
export const NONE_ID = '00000000-0000-0000-0000-000000000000';

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
