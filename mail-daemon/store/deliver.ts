// Durable local delivery, called by SMTP after DATA and by anything that
// drops mail into INBOXes. One statement (deliveryStatement below), its own transaction unless the
// caller's hook needs one: the raw message stored once (MIME index computed before), one INBOX (or,
// when asked, \Junk) message per distinct recipient mailbox with its UID and MODSEQ allocated on the
// folder row, quota use (mailboxes.used_bytes) charged, the caller's rows beside it
// (`alongside`), NOTIFY CHANNELS.mailstore on commit; then the hook, on the same connection.
// No recipients is fine: mail that only leaves is stored for the hook's rows to reference.
// Throws on any failure with nothing written (the SMTP caller answers 451 4.3.0).
//
// Quota is NOT enforced here: the over-quota check belongs to RCPT time; once accepted, a
// message is delivered. mail_blobs rows may be deleted once no folder message references them
// (after EXPUNGE): reference mail_blobs.id from other tables without ON DELETE CASCADE.
import type pg from 'pg';
import type { ParsedHeader } from '@/lib/mime';
import { CHANNELS } from '@/lib/db/channels';
import { committed } from '@/lib/db/group-commit';
import { prepared } from '@/lib/db/pool';
import { withTransaction } from '@/lib/db/transaction';
import { isMessageWithoutFolder, num } from './db';
import { ensureDefaultFolders } from './folders';
import { insertBlobSql, prepareBlob, type PreparedBlob } from './blobs';

/** Messages up to this size share commits with others; a larger one commits alone. */
const GROUP_COMMIT_MAX_BYTES = 256 * 1024;

export interface DeliverInput {
  raw: Buffer;
  /**
   * Rows the caller writes in the same statement: further common table expressions (\`name AS
   * (INSERT … SELECT … FROM blob)\`, comma-separated) that may read the stored blob's id from
   * \`blob(id)\`; \`p\` binds a value and returns its placeholder.
   */
  alongside?: (header: ParsedHeader, p: (value: unknown) => string) => string;
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
  // One message per mailbox, in a fixed order so concurrent deliveries lock rows alike.
  const mailboxIds = [...new Set(input.recipients.map((r) => r.mailboxId))].sort();
  const statement = deliveryStatement(blob, mailboxIds, input);
  type Row = { blob_id: string; id: string | null; folder_id: string; mailbox_id: string; uid: string };
  const store = async (client: pg.Pool | pg.PoolClient): Promise<Stored> => {
    // Alone on a connection of its own, the statement shares its COMMIT with the deliveries that
    // arrive while another is committing (lib/db/group-commit) — but not a large message, which
    // would hold up the small ones behind it.
    const r = blob.raw.length <= GROUP_COMMIT_MAX_BYTES ? await committed<Row>(client, statement, mailboxIds[0] ?? '') : await client.query<Row>(statement);
    const messages = r.rows.filter((row) => row.id !== null).map((row) => ({ mailboxId: row.mailbox_id, folderId: row.folder_id, uid: num(row.uid), id: row.id! }));
    return { blobId: r.rows[0].blob_id, messages, header: blob.header };
  };
  // Without a hook the statement is its own transaction (or its group's): one round trip, committed
  // (synchronous_commit) before it returns, so the folder rows stay locked only while it runs and commits.
  const attempt = (firstDelivery: boolean) =>
    inTransaction || firstDelivery
      ? withTransaction(pool, async (client) => {
          // First mail for these mailboxes: their default folders are created in this transaction.
          if (firstDelivery) for (const id of mailboxIds) await ensureDefaultFolders(client, id);
          const stored = await store(client);
          if (inTransaction) await inTransaction(client, stored);
          return stored;
        })
      : store(pool);
  try {
    return await attempt(false);
  } catch (err) {
    // The statement wrote nothing; again, with the folders.
    if (!isMessageWithoutFolder(err)) throw err;
  }
  return attempt(true);
}

/** Each mailbox's target folder: its INBOX, or its (first) folder marked \Junk, else its INBOX. */
const TARGET = {
  inbox: `SELECT id FROM mail_folders WHERE mailbox_id = ANY($1::uuid[]) AND name = 'INBOX'`,
  junk: `SELECT DISTINCT ON (mailbox_id) id FROM mail_folders WHERE mailbox_id = ANY($1::uuid[]) AND (special_use = '\\Junk' OR name = 'INBOX')
          ORDER BY mailbox_id, special_use IS NOT DISTINCT FROM '\\Junk' DESC, created_at, id`,
} as const;

/**
 * The whole delivery as one statement: the blob stored, the target folder rows locked in mailbox
 * order (the last locks taken: the quota update reads them), a UID and MODSEQ allocated on each, the
 * messages inserted, quota charged to the mailboxes, the caller's rows written
 * beside, and the NOTIFY queued (sent at commit). A mailbox without the folder leaves a message
 * without folder_id, which NOT NULL refuses: the statement then fails having written nothing.
 */
function deliveryStatement(blob: PreparedBlob, mailboxIds: string[], input: DeliverInput): pg.QueryConfig {
  const values: unknown[] = [];
  const p = (value: unknown) => `$${values.push(value)}`;
  const ids = p(mailboxIds); // $1, which TARGET names
  const size = blob.raw.length;
  const blobSql = insertBlobSql(blob, p);
  const sizeParam = p(size);
  const folder = input.folder ?? 'inbox';
  const text = `WITH blob AS (${blobSql}),
     locked AS (
       SELECT id FROM mail_folders WHERE id IN (${TARGET[folder]}) ORDER BY mailbox_id FOR UPDATE
     ), f AS (
       UPDATE mail_folders mf SET uid_next = mf.uid_next + 1, highest_modseq = mf.highest_modseq + 1
         FROM locked WHERE mf.id = locked.id
       RETURNING mf.id, mf.mailbox_id, mf.uid_next - 1 AS uid, mf.highest_modseq AS modseq
     ), msg AS (
       INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
       SELECT f.id, f.uid, blob.id, '{}', ${p(input.internalDate ?? new Date())}, ${sizeParam}, f.modseq
         FROM unnest(${ids}::uuid[]) AS r(mailbox_id) CROSS JOIN blob LEFT JOIN f ON f.mailbox_id = r.mailbox_id
       RETURNING id, folder_id, uid, modseq
     ), mb AS (
       UPDATE mailboxes m SET used_bytes = m.used_bytes + ${sizeParam} FROM f WHERE m.id = f.mailbox_id
     )${input.alongside ? `, ${input.alongside(blob.header, p)}` : ''}
     SELECT blob.id AS blob_id, msg.id, msg.folder_id, f.mailbox_id, msg.uid,
            CASE WHEN msg.id IS NOT NULL THEN
              pg_notify(${p(CHANNELS.mailstore)}, json_build_object('mailboxId', f.mailbox_id, 'folderId', msg.folder_id, 'modseq', msg.modseq, 'kind', 'messages')::text)
            END AS notified
       FROM blob LEFT JOIN (msg JOIN f ON f.id = msg.folder_id) ON true
      ORDER BY f.mailbox_id`;
  // Its text has a few shapes (folder, alongside): prepared once per server connection.
  return { text: prepared(text), values };
}
