// APPEND on Postgres (RFC 3501 6.3.11, RFC 3502 MULTIAPPEND, RFC 3516 literal8): every message of
// one command read and indexed before the transaction opens, then stored in one transaction: one
// UID each (consecutive) and one MODSEQ for all, the quota checked for their total, one NOTIFY.
// Either every message is stored or none is. Also the sections CATENATE (RFC 4469) copies from.
import type pg from 'pg';
import { withTransaction } from '@/lib/db/transaction';
import { applyPartial, sectionBytes } from '@/lib/mime';
import type { MimeIndex } from '@/lib/mime';
import { StoreError, type AppendInput, type AppendManyResult, type SectionReference } from '@/mail-daemon/imap/backend';
import { insertBlob, prepareBlob, type PreparedBlob } from './blobs';
import { announce, num } from './db';
import { normalizeFlags } from './flags';
import { allocateUids, folderRow } from './folders';
import { charge, fits } from './quota';

async function readLiteral(input: AppendInput, limit: number): Promise<Buffer> {
  if (input.size > limit) throw new StoreError('toobig', 'message exceeds the append limit');
  if (Buffer.isBuffer(input.data)) {
    if (input.data.length > limit) throw new StoreError('toobig', 'message exceeds the append limit');
    return input.data;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input.data as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new StoreError('toobig', 'message exceeds the append limit');
    if (total > input.size) throw new StoreError('invalid', 'literal longer than announced');
    chunks.push(chunk);
  }
  if (total !== input.size) throw new StoreError('invalid', 'literal shorter than announced');
  return Buffer.concat(chunks, total);
}

export async function appendMessages(pool: pg.Pool, mailboxId: string, appendLimit: number, folder: string, inputs: AppendInput[]): Promise<AppendManyResult> {
  if (!inputs.length) throw new StoreError('invalid', 'no message to append');
  const messages: { blob: PreparedBlob; flags: string[]; internalDate: Date; zone: number }[] = [];
  for (const input of inputs) {
    const blob = prepareBlob(await readLiteral(input, appendLimit), { verbatim: input.verbatim });
    messages.push({ blob, flags: normalizeFlags(input.flags ?? []), internalDate: input.internalDate ?? new Date(), zone: input.internalDateZone ?? 0 });
  }
  const total = messages.reduce((n, m) => n + m.blob.raw.length, 0);
  return withTransaction(pool, async (c) => {
    const f = await folderRow(c, mailboxId, folder);
    const { firstUid, modseq, uidValidity } = await allocateUids(c, f.id, messages.length);
    const q = await fits(c, mailboxId, total);
    if (!q.ok) throw new StoreError('overquota', 'quota exceeded');
    const uids: number[] = [];
    for (const [i, m] of messages.entries()) {
      const blobId = await insertBlob(c, m.blob);
      await c.query(
        `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, internal_date_zone, size, modseq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [f.id, firstUid + i, blobId, m.flags, m.internalDate, m.zone, m.blob.raw.length, modseq],
      );
      uids.push(firstUid + i);
    }
    await charge(c, mailboxId, total);
    await announce(c, { mailboxId, folderId: f.id, modseq, kind: 'messages' });
    return { uidValidity, uids };
  });
}

/** A section of a stored message of this mailbox, <partial> applied; null when it names nothing. */
export async function readSection(pool: pg.Pool, mailboxId: string, ref: SectionReference): Promise<Buffer | null> {
  let f;
  try {
    f = await folderRow(pool, mailboxId, ref.folder);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'nonexistent') return null;
    throw err;
  }
  if (ref.uidValidity !== undefined && num(f.uid_validity) !== ref.uidValidity) return null;
  const r = await pool.query<{ raw: Buffer; mime: MimeIndex }>(
    `SELECT b.raw, b.mime FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id WHERE m.folder_id = $1 AND m.uid = $2`,
    [f.id, ref.uid],
  );
  const row = r.rows[0];
  if (!row) return null;
  const data = sectionBytes(row.raw, row.mime, ref.section);
  return data && applyPartial(data, ref.section.partial);
}
