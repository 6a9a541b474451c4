// Small pg helpers for the mail store: bigint columns as numbers, NOTIFY on commit.
// Transactions: withTransaction in lib/db/transaction.ts.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import { notify } from '@/lib/db/notify';

export type Client = pg.PoolClient;

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
