// Small pg helpers for the mail store: bigint columns as numbers, NOTIFY on commit.
// Transactions: withTransaction in lib/db/transaction.ts.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import { isReadOnlyDatabase } from '@/lib/db/faults';
import { notify } from '@/lib/db/notify';

export type Client = pg.PoolClient;

/** int8 columns arrive as strings from pg; UIDs, MODSEQs and byte counts fit a double exactly. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * mail_messages.folder_id NULL refused by NOT NULL: the store's one-statement writes give a message
 * no folder when it must not be stored (a recipient without the target folder yet, an APPEND over
 * quota or to no such folder), so the statement fails having written nothing.
 */
export function isMessageWithoutFolder(err: unknown): boolean {
  const e = err as { code?: string; table?: string; column?: string };
  return e.code === '23502' && e.table === 'mail_messages' && e.column === 'folder_id';
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

/**
 * A read that locks the folder row and does \Recent bookkeeping when it can (`fn(true)`), and on
 * a read-only database (a standby after failover: no row locks, no writes) reads without either
 * (`fn(false)`): consistent all the same, since nothing can change the folder meanwhile. So
 * SELECT, STATUS and NOOP keep working while writes answer "try again later".
 */
export async function readEvenIfReadOnly<T>(fn: (writable: boolean) => Promise<T>): Promise<T> {
  try {
    return await fn(true);
  } catch (err) {
    if (!isReadOnlyDatabase(err)) throw err;
    return fn(false);
  }
}
