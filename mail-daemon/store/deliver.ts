// Durable local delivery (team contract 6), called by SMTP after DATA and by anything that
// drops mail into INBOXes. One transaction: the raw message stored once (MIME index computed
// once, before the transaction opens), one INBOX message per distinct recipient mailbox with
// its UID and MODSEQ allocated on the folder row, quota use (mailbox + domain used_bytes)
// charged, the caller's hook run on the same connection, NOTIFY CHANNELS.mailstore on commit.
// Throws on any failure with nothing written (the SMTP caller answers 451 4.3.0).
//
// Quota is NOT enforced here: the over-quota check belongs to RCPT time; once accepted, a
// message is delivered. mail_blobs rows may be deleted once no folder message references them
// (after EXPUNGE): reference mail_blobs.id from other tables without ON DELETE CASCADE.
import type pg from 'pg';
import { announce, withTransaction } from './db';
import { allocateUids, inboxOf } from './folders';
import { insertBlob, prepareBlob } from './blobs';
import { chargeMany } from './quota';

export interface DeliverInput {
  raw: Buffer;
  recipients: { mailboxId: string }[];
  internalDate?: Date;
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
    const blobId = mailboxIds.length ? await insertBlob(client, blob) : '';
    const messages: StoredMessage[] = [];
    const notices: { mailboxId: string; folderId: string; modseq: number }[] = [];
    for (const mailboxId of mailboxIds) {
      const folderId = await inboxOf(client, mailboxId);
      const { firstUid, modseq } = await allocateUids(client, folderId, 1);
      const r = await client.query<{ id: string }>(
        `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
         VALUES ($1, $2, $3, '{}', $4, $5, $6) RETURNING id`,
        [folderId, firstUid, blobId, internalDate, size, modseq],
      );
      messages.push({ mailboxId, folderId, uid: firstUid, id: r.rows[0].id });
      notices.push({ mailboxId, folderId, modseq });
    }
    await chargeMany(client, new Map(mailboxIds.map((id) => [id, size])));
    const stored: Stored = { blobId, messages };
    if (inTransaction) await inTransaction(client, stored);
    for (const n of notices) await announce(client, { ...n, kind: 'messages' });
    return stored;
  });
}
