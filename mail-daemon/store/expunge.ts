// Removing messages from a folder, as IMAP EXPUNGE/MOVE and the POP3 UPDATE state do: under
// the folder-row lock, with a tombstone per UID at one new MODSEQ (so every IMAP session's
// change feed reports them, RFC 7162 VANISHED included) and a NOTIFY on commit. Quota is
// the caller's, in the same transaction (MOVE's copies and removals cancel out).
import type { UidRanges } from '@/mail-daemon/imap/backend';
import { announce, num, type Client } from './db';
import { uidCondition } from './flags';
import { lockFolder } from './folders';

export interface Removed {
  /** Ascending. */
  uids: number[];
  /** Sum of the removed messages' sizes. */
  total: number;
  /** Blobs to collect after the commit. */
  blobs: string[];
}

/** Deletes messages (all given UIDs, or only \Deleted ones); throws 'nonexistent' when the folder is gone. */
export async function removeMessages(
  c: Client,
  folder: { mailboxId: string; folderId: string },
  uids: UidRanges | number[] | undefined,
  onlyDeleted: boolean,
): Promise<Removed> {
  const { highestModseq } = await lockFolder(c, folder.folderId);
  const params: unknown[] = [folder.folderId];
  let where = 'folder_id = $1';
  if (onlyDeleted) where += ` AND '\\Deleted' = ANY(flags)`;
  if (uids) where += ` AND ${uidCondition(uids, params)}`;
  const del = await c.query<{ uid: string; size: number; blob_id: string }>(`DELETE FROM mail_messages WHERE ${where} RETURNING uid, size, blob_id`, params);
  if (!del.rows.length) return { uids: [], total: 0, blobs: [] };
  const modseq = highestModseq + 1;
  const removed = del.rows.map((r) => num(r.uid)).sort((a, b) => a - b);
  await c.query('UPDATE mail_folders SET highest_modseq = $2 WHERE id = $1', [folder.folderId, modseq]);
  await c.query(
    `INSERT INTO mail_expunged (folder_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::bigint[]) u
     ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq`,
    [folder.folderId, removed, modseq],
  );
  await announce(c, { mailboxId: folder.mailboxId, folderId: folder.folderId, modseq, kind: 'messages' });
  return { uids: removed, total: del.rows.reduce((n, r) => n + r.size, 0), blobs: [...new Set(del.rows.map((r) => r.blob_id))] };
}
