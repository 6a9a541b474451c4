// Folder bookkeeping: the default folders every mailbox has, created lazily in the first
// transaction that needs them (delivery, IMAP login) — no trigger, no seeding cost for
// mailboxes that never receive mail.
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { HIERARCHY_DELIMITER, StoreError, type SpecialUse } from '@/mail-daemon/imap/backend';
import { num, type Client } from './db';
import { FOLDER_SUBSCRIBED, type FolderRow } from './rows';

export const INBOX = 'INBOX';
const MAX_NAME_LENGTH = 512;

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

/** The name a folder is looked up by: canonical INBOX, trailing delimiters dropped (RFC 3501 CREATE "a/"). */
export function lookupName(name: string): string {
  let n = canonicalName(name);
  while (n.endsWith(HIERARCHY_DELIMITER)) n = n.slice(0, -1);
  return n;
}

/**
 * Canonical, validated name for a new folder or subscription (Unicode, '/'-separated). Empty
 * levels ("a//b", "/a") and "." or ".." levels are refused: clients and backups map levels to
 * paths, and such a name would not come back from LIST as it was given. Throws 'cannot'.
 */
export function validFolderName(name: string): string {
  const n = lookupName(name);
  const levels = n.split(HIERARCHY_DELIMITER);
  if (!n || n.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f*%]/.test(n) || levels.some((l) => l === '' || l === '.' || l === '..')) {
    throw new StoreError('cannot', 'invalid folder name');
  }
  return n;
}

/** A mailbox's folder row by name (optionally locked: `FOR UPDATE`, `FOR SHARE`); throws 'nonexistent'. */
export async function folderRow(client: Client | pg.Pool, mailboxId: string, name: string, lock = ''): Promise<FolderRow> {
  const r = await client.query<FolderRow>(
    `SELECT *, ${FOLDER_SUBSCRIBED} FROM mail_folders WHERE mailbox_id = $1 AND name = $2 ${lock}`,
    [mailboxId, lookupName(name)],
  );
  if (!r.rows[0]) throw new StoreError('nonexistent', 'no such folder');
  return r.rows[0];
}

/**
 * Claims a folder's \Recent messages for one session (RFC 3501: only one session sees a message as
 * \Recent), in one statement: the UIDs in [from, to) that arrived since the last claim; null when
 * none did (then no row is locked) or the folder does not exist. The row lock re-reads the row at its
 * latest version, so two concurrent claims get disjoint ranges. Messages of the range are committed
 * (UIDs are allocated in the inserting transaction, under the same row lock), so a statement that
 * starts after this one sees all of them.
 */
export async function claimRecent(client: Client | pg.Pool, folder: { id: string } | { mailboxId: string; name: string }): Promise<{ from: number; to: number } | null> {
  const [where, params] = 'id' in folder ? ['id = $1', [folder.id]] : ['mailbox_id = $1 AND name = $2', [folder.mailboxId, folder.name]];
  const r = await client.query(
    prepared(`WITH old AS (SELECT id, first_recent_uid, uid_next FROM mail_folders WHERE ${where} AND uid_next > first_recent_uid FOR UPDATE),
     claimed AS (UPDATE mail_folders SET first_recent_uid = old.uid_next FROM old WHERE mail_folders.id = old.id)
     SELECT first_recent_uid, uid_next FROM old`),
    params,
  );
  const row = r.rows[0];
  return row ? { from: num(row.first_recent_uid), to: num(row.uid_next) } : null;
}

/**
 * Creates the missing default folders of a mailbox (idempotent, safe under concurrency) and
 * subscribes the ones it creates: the only subscriptions the server makes itself. A default
 * folder the user unsubscribed stays unsubscribed.
 */
export async function ensureDefaultFolders(client: Client, mailboxId: string): Promise<void> {
  await client.query(
    `WITH made AS (
       INSERT INTO mail_folders (mailbox_id, name, special_use)
       SELECT $1, d.name, d.special_use FROM unnest($2::text[], $3::text[]) AS d(name, special_use)
       ON CONFLICT (mailbox_id, name) DO NOTHING RETURNING mailbox_id, name)
     INSERT INTO mail_subscriptions (mailbox_id, name) SELECT mailbox_id, name FROM made
     ON CONFLICT DO NOTHING`,
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
