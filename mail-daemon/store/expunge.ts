// Removing messages from a folder, as IMAP EXPUNGE/MOVE and the POP3 UPDATE state do, in one
// statement: the folder row locked first (as every writer does), the rows deleted, a tombstone
// per UID at one new MODSEQ (so every IMAP session's change feed reports them, RFC 7162 VANISHED
// included), the quota use given back when asked, and a NOTIFY on commit. MOVE charges its
// copies and removals together in its own transaction, so it asks for no quota change here.
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { CHANNELS } from '@/lib/db/channels';
import type { UidRanges } from '@/mail-daemon/imap/backend';
import { num, type Client } from './db';
import { uidCondition } from './flags';
import { StoreError } from '@/mail-daemon/imap/backend';

export interface Removed {
  /** Ascending. */
  uids: number[];
  /** Sum of the removed messages' sizes. */
  total: number;
  /** Blobs to collect after the commit. */
  blobs: string[];
}

/**
 * Deletes messages (all given UIDs, or only \Deleted ones); with `giveBack`, mailboxes.used_bytes
 * drops by their sizes in the same statement. On a pool the statement is its own
 * transaction. Throws 'nonexistent' when the folder is gone.
 */
export async function removeMessages(
  c: Client | pg.Pool,
  folder: { mailboxId: string; folderId: string },
  uids: UidRanges | number[] | undefined,
  onlyDeleted: boolean,
  giveBack = false,
): Promise<Removed> {
  const params: unknown[] = [folder.folderId, folder.mailboxId, CHANNELS.mailstore, giveBack];
  let where = 'm.folder_id = $1 AND EXISTS (SELECT 1 FROM lk)';
  if (onlyDeleted) where += ` AND '\\Deleted' = ANY(m.flags)`;
  if (uids) where += ` AND ${uidCondition(uids, params, 'm.uid')}`;
  const r = await c.query<{ folder: boolean; uids: string[] | null; total: string | null; blobs: string[] | null }>(
    prepared(`WITH lk AS (SELECT id, highest_modseq FROM mail_folders WHERE id = $1 FOR UPDATE),
     del AS (DELETE FROM mail_messages m WHERE ${where} RETURNING m.uid, m.size, m.blob_id),
     f AS (UPDATE mail_folders SET highest_modseq = lk.highest_modseq + 1 FROM lk
            WHERE mail_folders.id = lk.id AND EXISTS (SELECT 1 FROM del) RETURNING mail_folders.highest_modseq),
     tomb AS (INSERT INTO mail_expunged (folder_id, uid, modseq) SELECT $1, del.uid, f.highest_modseq FROM del, f
              ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq),
     mb AS (UPDATE mailboxes SET used_bytes = used_bytes - (SELECT sum(size) FROM del)
             WHERE id = $2 AND $4 AND EXISTS (SELECT 1 FROM del)),
     n AS (SELECT pg_notify($3, json_build_object('mailboxId', $2::text, 'folderId', $1::text, 'modseq', f.highest_modseq, 'kind', 'messages')::text) FROM f)
     SELECT EXISTS (SELECT 1 FROM lk) AS folder, (SELECT count(*) FROM n) AS notified,
            (SELECT array_agg(uid ORDER BY uid) FROM del) AS uids, (SELECT sum(size) FROM del) AS total,
            (SELECT array_agg(DISTINCT blob_id) FROM del) AS blobs`),
    params,
  );
  const row = r.rows[0];
  if (!row.folder) throw new StoreError('nonexistent', 'folder was deleted');
  return { uids: (row.uids ?? []).map(num), total: num(row.total ?? 0), blobs: row.blobs ?? [] };
}
