// Small pg helpers for the mail store: one transaction wrapper, bigint columns as numbers.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import { notify } from '@/lib/db/notify';

export type Client = pg.PoolClient;

/** Runs `fn` in one transaction on a pooled connection; rolls back and rethrows on any failure. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** int8 columns arrive as strings from pg; UIDs, MODSEQs and byte counts fit a double exactly. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export interface MailstoreNotice {
  mailboxId: string;
  folderId: string | null;
  modseq: number | null;
  kind: 'messages' | 'folders';
}

/** Queues a NOTIFY on CHANNELS.mailstore; Postgres delivers it when the transaction commits. */
export async function announce(client: Client, notice: MailstoreNotice): Promise<void> {
  await notify(client, CHANNELS.mailstore, notice);
}
