// Durable local delivery, called by SMTP after DATA and by anything that
// drops mail into INBOXes. One transaction: the raw message stored once (MIME index computed
// once, before the transaction opens), one INBOX (or, when asked, \Junk) message per distinct recipient mailbox with
// its UID and MODSEQ allocated on the folder row, quota use (mailbox + domain used_bytes)
// charged, the caller's hook run on the same connection, NOTIFY CHANNELS.mailstore on commit.
// No recipients is fine: mail that only leaves is stored for the hook's rows to reference.
// Throws on any failure with nothing written (the SMTP caller answers 451 4.3.0).
//
// Quota is NOT enforced here: the over-quota check belongs to RCPT time; once accepted, a
// message is delivered. mail_blobs rows may be deleted once no folder message references them
// (after EXPUNGE): reference mail_blobs.id from other tables without ON DELETE CASCADE.
import type pg from 'pg';
import type { ParsedHeader } from '@/lib/mime';
import { CHANNELS } from '@/lib/db/channels';
import { withTransaction } from '@/lib/db/transaction';
import { num } from './db';
import { ensureDefaultFolders } from './folders';
import { insertBlob, prepareBlob } from './blobs';
import { chargeMany } from './quota';

export interface DeliverInput {
  raw: Buffer;
  recipients: { mailboxId: string }[];
  internalDate?: Date;
  /** "junk": into each mailbox's \Junk folder (RFC 6154), e.g. DMARC quarantine; default the INBOX. */
  folder?: 'inbox' | 'junk';
}

export interface StoredMessage {
  mailboxId: string;
  folderId: string;
  uid: number;
  /** mail_messages.id */
  id: string;
}

export interface Stored {
  blobId: string;
  messages: StoredMessage[];
  /** The stored message's header, parsed once with its MIME index. */
  header: ParsedHeader;
}

export async function deliver(
  pool: pg.Pool,
  input: DeliverInput,
  inTransaction?: (tx: pg.PoolClient, stored: Stored) => Promise<void>,
): Promise<Stored> {
  const blob = prepareBlob(input.raw);
  const size = blob.raw.length;
  const internalDate = input.internalDate ?? new Date();
  // One message per mailbox, in a fixed order so concurrent deliveries lock rows alike.
  const mailboxIds = [...new Set(input.recipients.map((r) => r.mailboxId))].sort();

  return withTransaction(pool, async (client) => {
    // Stored even without local recipients (then only the hook's rows reference it).
    const blobId = await insertBlob(client, blob);
    const folder = input.folder ?? 'inbox';
    const into = (ids: string[], target: 'inbox' | 'junk') => intoFolders(client, ids, target, blobId, internalDate, size);
    const messages = mailboxIds.length ? await into(mailboxIds, folder) : [];
    const absent = () => mailboxIds.filter((id) => !messages.some((m) => m.mailboxId === id));
    if (absent().length) {
      // First mail for these mailboxes: their default folders are created in this transaction.
      for (const id of absent()) await ensureDefaultFolders(client, id);
      messages.push(...(await into(absent(), folder)));
      // A user who deleted Junk still gets the message, in the INBOX.
      if (folder === 'junk' && absent().length) messages.push(...(await into(absent(), 'inbox')));
      if (messages.length !== mailboxIds.length) throw new Error('recipient mailbox vanished during delivery');
    }
    messages.sort((x, y) => (x.mailboxId < y.mailboxId ? -1 : 1));
    await chargeMany(client, new Map(mailboxIds.map((id) => [id, size])));
    const stored: Stored = { blobId, messages, header: blob.header };
    if (inTransaction) await inTransaction(client, stored);
    return stored;
  });
}

/** Each mailbox's target folder: its INBOX, or its (first) folder marked \Junk. */
const TARGET = {
  inbox: `SELECT id FROM mail_folders WHERE mailbox_id = ANY($1::uuid[]) AND name = 'INBOX'`,
  junk: `SELECT DISTINCT ON (mailbox_id) id FROM mail_folders WHERE mailbox_id = ANY($1::uuid[]) AND special_use = '\\Junk' ORDER BY mailbox_id, created_at, id`,
} as const;

/**
 * One statement: lock the target folder rows in mailbox order, allocate a UID and MODSEQ on each,
 * insert the messages, and queue the NOTIFY (sent at commit). Mailboxes without that folder are skipped.
 */
async function intoFolders(client: pg.PoolClient, mailboxIds: string[], folder: 'inbox' | 'junk', blobId: string, internalDate: Date, size: number): Promise<StoredMessage[]> {
  const r = await client.query<{ id: string; folder_id: string; mailbox_id: string; uid: string }>(
    `WITH locked AS (
       SELECT id FROM mail_folders WHERE id IN (${TARGET[folder]}) ORDER BY mailbox_id FOR UPDATE
     ), f AS (
       UPDATE mail_folders mf SET uid_next = mf.uid_next + 1, highest_modseq = mf.highest_modseq + 1
         FROM locked WHERE mf.id = locked.id
       RETURNING mf.id, mf.mailbox_id, mf.uid_next - 1 AS uid, mf.highest_modseq AS modseq
     ), msg AS (
       INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
       SELECT f.id, f.uid, $2, '{}', $3, $4, f.modseq FROM f
       RETURNING id, folder_id, uid, modseq
     )
     SELECT msg.id, msg.folder_id, f.mailbox_id, msg.uid,
            pg_notify($5, json_build_object('mailboxId', f.mailbox_id, 'folderId', msg.folder_id, 'modseq', msg.modseq, 'kind', 'messages')::text)
       FROM msg JOIN f ON f.id = msg.folder_id`,
    [mailboxIds, blobId, internalDate, size, CHANNELS.mailstore],
  );
  return r.rows.map((row) => ({ mailboxId: row.mailbox_id, folderId: row.folder_id, uid: num(row.uid), id: row.id }));
}
