// The one BEGIN/COMMIT/ROLLBACK wrapper for code that talks to Postgres through a pg pool
// (the mail store, the TLS bootstrap certificate, the TLS statistics, the seed scripts).
// Prisma code uses db.$transaction instead.
import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a pooled connection: COMMIT when it resolves; ROLLBACK and
 * rethrow when `fn` (or the COMMIT) fails. The connection always goes back to the pool — unless
 * the ROLLBACK itself failed: then its state is unknown and it is destroyed instead.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}
