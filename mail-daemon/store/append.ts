// APPEND on Postgres (RFC 3501 6.3.11, RFC 3502 MULTIAPPEND, RFC 3516 literal8): every message of
// one command read and indexed first, then stored in one statement, its own transaction (one
// round trip): one UID each (consecutive) and one MODSEQ for all, the quota checked and charged
// for their total, one NOTIFY. Over quota, or with no such folder, the statement fails and
// writes nothing. Either every message is stored or none is. Also the sections CATENATE (RFC
// 4469) copies from.
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { applyPartial, sectionBytes } from '@/lib/mime';
import type { MimeIndex } from '@/lib/mime';
import { StoreError, type AppendInput, type AppendManyResult, type SectionReference } from '@/mail-daemon/imap/backend';
import { CHANNELS } from '@/lib/db/channels';
import { insertBlobSql, prepareBlob, type PreparedBlob } from './blobs';
import { isMessageWithoutFolder, num } from './db';
import { normalizeFlags } from './flags';
import { folderRow, lookupName } from './folders';

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
  const params: unknown[] = [mailboxId, lookupName(folder), messages.length, total, CHANNELS.mailstore];
  const p = (value: unknown) => `$${params.push(value)}`;
  // The folder row is locked first (UIDs and MODSEQ allocated on it), then the mailbox row, whose
  // UPDATE charges the quota only when the total fits (re-checked on the latest row): the order
  // every writer takes them in. Over quota (no mailbox row updated) or with no such folder, each
  // message's folder_id is NULL, which NOT NULL refuses: the whole statement fails, blobs and all.
  const blobs = messages.map((m, i) => `b${i} AS (${insertBlobSql(m.blob, p)})`);
  const rows = messages.map(
    (m, i) =>
      `SELECT (SELECT f.id FROM f WHERE EXISTS (SELECT 1 FROM mb)), (SELECT first_uid FROM f) + ${i}, (SELECT id FROM b${i}), ${p(m.flags)}::text[], ` +
      `${p(m.internalDate)}::timestamptz, ${p(m.zone)}::smallint, ${p(m.blob.raw.length)}::int, (SELECT highest_modseq FROM f)`,
  );
  const sql = `WITH f AS (UPDATE mail_folders SET uid_next = uid_next + $3, highest_modseq = highest_modseq + 1
                  WHERE mailbox_id = $1 AND name = $2 RETURNING id, uid_next - $3 AS first_uid, highest_modseq, uid_validity),
     mb AS (UPDATE mailboxes SET used_bytes = used_bytes + $4 FROM f WHERE mailboxes.id = $1 AND used_bytes + $4 <= quota_bytes RETURNING mailboxes.id),
     ${blobs.join(',\n     ')},
     msg AS (INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, internal_date_zone, size, modseq)
             ${rows.join('\n             UNION ALL ')}),
     n AS (SELECT pg_notify($5, json_build_object('mailboxId', $1::text, 'folderId', f.id, 'modseq', f.highest_modseq, 'kind', 'messages')::text) FROM f)
     SELECT f.first_uid, f.uid_validity, (SELECT count(*) FROM n) AS notified FROM f`;
  let r: pg.QueryResult<{ first_uid: string; uid_validity: string }>;
  try {
    // One APPEND's text is the same every time: parsed once per connection. MULTIAPPEND's varies with its count.
    r = await pool.query(messages.length === 1 ? prepared(sql) : sql, params);
  } catch (err) {
    if (!isMessageWithoutFolder(err)) throw err;
    await folderRow(pool, mailboxId, folder); // StoreError nonexistent when there is no such folder
    throw new StoreError('overquota', 'quota exceeded');
  }
  const firstUid = num(r.rows[0].first_uid);
  return { uidValidity: num(r.rows[0].uid_validity), uids: messages.map((_, i) => firstUid + i) };
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
