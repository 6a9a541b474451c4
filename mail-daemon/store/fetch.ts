// IMAP FETCH on Postgres (RFC 3501 §6.4.5, RFC 7162 CHANGEDSINCE, RFC 3516 BINARY): message
// metadata in batches of rows, then only the byte span each message's requested sections cover
// (BINARY's decoded after slicing), in groups bounded
// by FETCH_BATCH_BYTES; a non-peek BODY[] sets \Seen as it is served (when the database takes
// writes: on a read-only one the body is served and \Seen stays unset). Sections of the message
// itself (BODY[HEADER], BODY[], BODY[TEXT], HEADER.FIELDS) need only the root's offsets (0, the
// blob's body_offset, its size), not the MIME index, and a small span of them comes with the
// metadata row.
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { isReadOnlyDatabase } from '@/lib/db/faults';
import { applyPartial, filterHeader, sectionRange, type MimeIndex } from '@/lib/mime';
import type { FetchItems, FetchOptions, FetchResult, UidRanges } from '@/mail-daemon/imap/backend';
import { num } from './db';
import { uidCondition } from './flags';
import { writeFlags } from './store-flags';
import { decodeTransfer, partEncoding } from './transfer-encoding';
import { bodyOffsetSql, type MetaRow } from './rows';

/** Bytes of message data one fetch batch holds in memory (a larger single message is its own batch). */
const FETCH_BATCH_BYTES = 8 * 1024 * 1024;
const FETCH_BATCH_ROWS = 250;
/** Span bytes a metadata row carries itself (sections of the message): a batch of rows stays within FETCH_BATCH_BYTES. */
const INLINE_SPAN_BYTES = FETCH_BATCH_BYTES / FETCH_BATCH_ROWS;

/** What a FETCH needs of the selected folder. */
export interface FetchScope {
  pool: pg.Pool;
  mailboxId: string;
  folderId: string;
  /** EXAMINE: nothing is marked \Seen. */
  readOnly: boolean;
}

/** One span of a stored message: [start, end) byte offsets into mail_blobs.raw. */
type Span = { start: number; end: number };
type SeenFlags = Map<number, { flags: string[]; modseq: number }>;

/**
 * Sections of the message itself, none decoded (RFC 3516 needs the part's encoding): the span they
 * cover together, in the root's offsets, is the same for every message — from its header (h) or its
 * body (b), to its body or its end (e). Null for anything else, or when no section has bytes.
 */
function rootSpan(sections: NonNullable<FetchItems['sections']>): { from: 'h' | 'b'; to: 'b' | 'e' } | null {
  if (sections.some((s) => s.part.length > 0 || s.decode)) return null;
  const wanted = sections.filter((s) => s.specifier !== 'MIME');
  if (!wanted.length) return null;
  const header = wanted.some((s) => s.specifier !== 'TEXT');
  const body = wanted.some((s) => s.specifier === undefined || s.specifier === 'TEXT');
  return { from: header ? 'h' : 'b', to: body ? 'e' : 'b' };
}

/** What a FETCH reads of the blob: the whole MIME index, only the root's offsets (with the span), or nothing. */
function mimeColumns(items: FetchItems, sections: NonNullable<FetchItems['sections']>): { columns: string; from: string } {
  const blob = 'JOIN mail_blobs b ON b.id = m.blob_id';
  if (items.envelope || items.bodyStructure || sections.some((s) => s.part.length > 0 || s.decode)) return { columns: ', b.mime', from: blob };
  if (!sections.length) return { columns: '', from: '' };
  const root = { h: '0', b: bodyOffsetSql('b'), e: 'b.size' };
  const span = rootSpan(sections);
  const inline = span
    ? `CASE WHEN ${root[span.to]} - ${root[span.from]} <= ${INLINE_SPAN_BYTES} THEN substring(b.raw FROM ${root[span.from]} + 1 FOR ${root[span.to]} - ${root[span.from]}) END`
    : 'NULL::bytea';
  return { columns: `, ${root.b} AS root_b, ${root.e} AS root_e, ${inline} AS inline`, from: blob };
}

/** The MIME index a row carries: whole, or its root's offsets (all sections of the message itself use). */
function indexOf(row: MetaRow): Pick<MimeIndex, 'root'> {
  return row.mime ?? { root: { h: 0, b: row.root_b!, e: row.root_e! } };
}

/**
 * The message columns a FETCH reads: each parsed per row (a timestamp, an int8 as text), so only
 * those asked for. Marking \Seen needs the flags, and reports the new MODSEQ.
 */
function metaColumns(items: FetchItems, markSeen: boolean): string {
  const columns = ['m.uid', 'm.blob_id'];
  if (items.flags || markSeen) columns.push('m.flags');
  if (items.modseq || markSeen) columns.push('m.modseq');
  if (items.internalDate) columns.push('m.internal_date', 'm.internal_date_zone');
  if (items.size) columns.push('m.size');
  return columns.join(', ');
}

export async function* fetchMessages(scope: FetchScope, uids: UidRanges | number[], items: FetchItems, options: FetchOptions = {}): AsyncIterable<FetchResult> {
  const sections = items.sections ?? [];
  const mime = mimeColumns(items, sections);
  const markSeen = !scope.readOnly && sections.some((s) => !s.peek);
  const params: unknown[] = [scope.folderId];
  let where = `m.folder_id = $1 AND ${uidCondition(uids, params, 'm.uid')}`;
  if (options.changedSince !== undefined) {
    params.push(options.changedSince);
    where += ` AND m.modseq > $${params.length}`;
  }
  let after = 0;
  for (;;) {
    const batch = await scope.pool.query<MetaRow>(
      prepared(`SELECT ${metaColumns(items, markSeen)} ${mime.columns}
         FROM mail_messages m ${mime.from}
        WHERE ${where} AND m.uid > $${params.length + 1}
        ORDER BY m.uid LIMIT ${FETCH_BATCH_ROWS}`),
      [...params, after],
    );
    if (!batch.rows.length) return;
    after = num(batch.rows[batch.rows.length - 1].uid);
    const seenSet: SeenFlags = markSeen ? await markSeenUnlessReadOnly(scope, batch.rows) : new Map();
    const spans = sectionSpans(batch.rows, sections);
    // Load the spans in groups bounded by FETCH_BATCH_BYTES.
    let i = 0;
    while (i < batch.rows.length) {
      const group: MetaRow[] = [];
      let bytes = 0;
      while (i < batch.rows.length && (group.length === 0 || bytes + spanLength(spans, batch.rows[i]) <= FETCH_BATCH_BYTES)) {
        bytes += spanLength(spans, batch.rows[i]);
        group.push(batch.rows[i++]);
      }
      const data = await loadSpans(scope.pool, group, spans);
      for (const row of group) {
        const span = spans.get(row.blob_id);
        const bytesOf = row.inline ?? data.get(row.blob_id);
        // Expunged and collected by another session between our two reads: nothing to serve.
        if (span && !bytesOf) continue;
        const uid = num(row.uid);
        const seen = seenSet.get(uid);
        const result: FetchResult = { uid };
        if (items.flags || seen) result.flags = seen?.flags ?? row.flags;
        if (items.modseq || seen) result.modseq = seen?.modseq ?? num(row.modseq!);
        if (items.internalDate) {
          result.internalDate = row.internal_date;
          result.internalDateZone = row.internal_date_zone;
        }
        if (items.size) result.size = row.size;
        if (items.envelope) result.envelope = row.mime!.envelope;
        if (items.bodyStructure) result.bodyStructure = row.mime!.bodyStructure;
        if (sections.length) {
          const index = indexOf(row);
          result.sections = sections.map((spec) => {
            const r = sectionRange(index, spec);
            if (!r) return { spec, data: null };
            if (!span || !bytesOf) return { spec, data: applyPartial(Buffer.alloc(0), spec.partial) };
            const piece =
              r.kind === 'range'
                ? bytesOf.subarray(r.start - span.start, r.end - span.start)
                : filterHeader(bytesOf, r.start - span.start, r.end - span.start, r.fields, r.not);
            if (!spec.decode) return { spec, data: applyPartial(piece, spec.partial) };
            const decoded = decodeTransfer(piece, partEncoding(row.mime!.bodyStructure, spec.part) ?? '7BIT');
            if (!decoded) return { spec, data: null, unknownEncoding: true };
            return { spec, data: applyPartial(decoded, spec.partial) };
          });
        }
        yield result;
      }
    }
    if (batch.rows.length < FETCH_BATCH_ROWS) return;
  }
}

/** Byte ranges needed per message: one span covering all requested sections. */
function sectionSpans(rows: MetaRow[], sections: NonNullable<FetchItems['sections']>): Map<string, Span> {
  const spans = new Map<string, Span>();
  if (!sections.length) return spans;
  for (const row of rows) {
    let start = Infinity;
    let end = 0;
    const index = indexOf(row);
    for (const s of sections) {
      const r = sectionRange(index, s);
      if (!r) continue;
      start = Math.min(start, r.start);
      end = Math.max(end, r.end);
    }
    if (end > start) spans.set(row.blob_id, { start, end });
  }
  return spans;
}

/** Bytes still to load for a row: none when its span came with it. */
function spanLength(spans: Map<string, Span>, row: MetaRow): number {
  const s = spans.get(row.blob_id);
  return s && !row.inline ? s.end - s.start : 0;
}

async function loadSpans(pool: pg.Pool, rows: MetaRow[], spans: Map<string, Span>): Promise<Map<string, Buffer>> {
  const ids = [...new Set(rows.filter((r) => !r.inline).map((r) => r.blob_id).filter((id) => spans.has(id)))];
  if (!ids.length) return new Map();
  const r = await pool.query<{ id: string; bytes: Buffer }>(
    prepared(`SELECT u.id, substring(b.raw FROM u.s FOR u.l) AS bytes
       FROM unnest($1::uuid[], $2::int[], $3::int[]) AS u(id, s, l) JOIN mail_blobs b ON b.id = u.id`),
    [ids, ids.map((id) => spans.get(id)!.start + 1), ids.map((id) => spans.get(id)!.end - spans.get(id)!.start)],
  );
  return new Map(r.rows.map((x) => [x.id, x.bytes]));
}

/**
 * RFC 3501 §6.4.5 has BODY[] set \Seen implicitly; a read-only database (a standby after a
 * failover) cannot, and reading the message matters more than the flag: served without it, as
 * EXAMINE would, and the client's next read after the failover sets it.
 */
async function markSeenUnlessReadOnly(scope: FetchScope, rows: MetaRow[]): Promise<SeenFlags> {
  try {
    return await markSeenRows(scope, rows);
  } catch (err) {
    if (!isReadOnlyDatabase(err)) throw err;
    return new Map();
  }
}

/** Sets \Seen on the rows that lack it (a non-peek BODY[] fetch); returns their new flags. */
async function markSeenRows(scope: FetchScope, rows: MetaRow[]): Promise<SeenFlags> {
  const unseen = rows.filter((r) => !r.flags!.includes('\\Seen')).map((r) => num(r.uid));
  const out: SeenFlags = new Map();
  if (!unseen.length) return out;
  const written = await writeFlags(scope.pool, { mailboxId: scope.mailboxId, folderId: scope.folderId }, unseen, { op: 'add', flags: ['\\Seen'] });
  for (const m of written.updated) if (m.changed) out.set(m.uid, { flags: m.flags, modseq: m.modseq });
  return out;
}
