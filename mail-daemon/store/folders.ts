// Folder bookkeeping: the default folders every mailbox has, created lazily in the first
// transaction that needs them (delivery, IMAP login) — no trigger, no seeding cost for
// mailboxes that never receive mail.
import { StoreError, type SpecialUse } from '@/mail-daemon/imap/backend';
import { num, type Client } from './db';

export const INBOX = 'INBOX';

export const DEFAULT_FOLDERS: { name: string; specialUse: SpecialUse | null }[] = [
  { name: INBOX, specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** "inbox" in any case is INBOX, also as the first level of a hierarchy ("Inbox/x" → "INBOX/x"). */
export function canonicalName(name: string): string {
  const first = name.split('/')[0];
  return first.toUpperCase() === INBOX ? INBOX + name.slice(first.length) : name;
}

/** Creates the missing default folders of a mailbox (idempotent, safe under concurrency). */
export async function ensureDefaultFolders(client: Client, mailboxId: string): Promise<void> {
  await client.query(
    `INSERT INTO mail_folders (mailbox_id, name, special_use)
     SELECT $1, d.name, d.special_use FROM unnest($2::text[], $3::text[]) AS d(name, special_use)
     ON CONFLICT (mailbox_id, name) DO NOTHING`,
    [mailboxId, DEFAULT_FOLDERS.map((f) => f.name), DEFAULT_FOLDERS.map((f) => f.specialUse)],
  );
}

/**
 * Allocates `count` consecutive UIDs and one new MODSEQ on the folder row (the row lock
 * serializes concurrent writers; the caller inserts in the same transaction).
 */
export async function allocateUids(client: Client, folderId: string, count: number): Promise<{ firstUid: number; modseq: number; uidValidity: number }> {
  const r = await client.query(
    `UPDATE mail_folders SET uid_next = uid_next + $2, highest_modseq = highest_modseq + 1
      WHERE id = $1 RETURNING uid_next - $2 AS first_uid, highest_modseq, uid_validity`,
    [folderId, count],
  );
  const row = r.rows[0];
  if (!row) throw new StoreError('nonexistent', 'folder was deleted');
  return { firstUid: num(row.first_uid), modseq: num(row.highest_modseq), uidValidity: num(row.uid_validity) };
}
