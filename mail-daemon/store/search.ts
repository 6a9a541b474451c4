// SEARCH: the typed criteria tree becomes SQL where it can (flags, UIDs, dates, sizes, MODSEQ,
// \Recent, and the header keys HEADER/SUBJECT, FROM/TO/CC/BCC on the fields whose match text is
// stored, ./search-text.ts); the other text keys (HEADER of other fields, BODY, TEXT), and every
// text key on messages stored before those texts, are matched in JS over the stored bytes of the
// SQL candidates, decoding encoded-words, transfer encodings and charsets. Bodies are streamed in
// slices (./body-scan.ts): a large message is never held whole.
import type pg from 'pg';
import type { SearchKey, SearchResult } from '@/mail-daemon/imap/backend';
import { isReadOnlyDatabase } from '@/lib/db/faults';
import { parseHeader, type HeaderField, type MimeIndex } from '@/lib/mime';
import { fold, scanBody, SCAN_CHUNK, SCAN_PIECE, type StoredBytes } from './body-scan';
import { num } from './db';
import { uidCondition } from './flags';
import { addressMatchText, decodeWords, headerMatchText, SEARCHED_FIELDS, searchTexts, storedTextCondition } from './search-text';

export interface SearchRow {
  uid: number;
  flags: string[];
  modseq: number;
  internalDate: Date;
  size: number;
  /** The Date: header's day in its own zone ('YYYY-MM-DD'), null without a parseable one. */
  sentDay: string | null;
}

export interface SearchContext {
  recent: ReadonlySet<number>;
}

export function needsText(key: SearchKey): boolean {
  switch (key.op) {
    case 'header':
    case 'address':
    case 'body':
    case 'text':
      return true;
    case 'and':
      return key.keys.some(needsText);
    case 'or':
      return key.keys.some(needsText);
    case 'not':
      return needsText(key.key);
    default:
      return false;
  }
}

/** The folded strings BODY and TEXT keys look for in message bodies; none: only headers are read. */
function bodyNeedles(key: SearchKey): string[] {
  if (key.op === 'body' || key.op === 'text') return [fold(key.value)];
  if (key.op === 'and' || key.op === 'or') return key.keys.flatMap(bodyNeedles);
  if (key.op === 'not') return bodyNeedles(key.key);
  return [];
}

/**
 * Where a key's text keys can be answered: 'none' without text keys; 'stored' when all are header
 * keys on fields whose match text mail_blobs keeps (exact SQL for the rows that have it);
 * 'bytes' when one needs the stored message (BODY, TEXT, HEADER of another field).
 */
function textSource(key: SearchKey): 'none' | 'stored' | 'bytes' {
  switch (key.op) {
    case 'header':
      return SEARCHED_FIELDS.has(key.field.toLowerCase()) && !key.value.includes('\0') ? 'stored' : 'bytes';
    case 'address':
      return key.value.includes('\0') ? 'bytes' : 'stored';
    case 'body':
    case 'text':
      return 'bytes';
    case 'and':
    case 'or': {
      const sources = key.keys.map(textSource);
      return sources.includes('bytes') ? 'bytes' : sources.includes('stored') ? 'stored' : 'none';
    }
    case 'not':
      return textSource(key.key);
    default:
      return 'none';
  }
}

/** Whether a key reads the top-level header fields (HEADER, SUBJECT, FROM/TO/CC/BCC, TEXT). */
function readsHeader(key: SearchKey): boolean {
  if (key.op === 'header' || key.op === 'address' || key.op === 'text') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(readsHeader);
  if (key.op === 'not') return readsHeader(key.key);
  return false;
}

export function usesModseq(key: SearchKey): boolean {
  if (key.op === 'modseq') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(usesModseq);
  if (key.op === 'not') return usesModseq(key.key);
  return false;
}

function validDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`bad search day ${day}`);
  return day;
}

/**
 * SQL for the structured part of a key over columns m.uid, m.flags, m.modseq, m.internal_date,
 * m.size, b.sent_date. Text keys compile to TRUE only where that is a safe pre-filter (positive
 * positions), so the SQL result is a superset that the JS pass narrows.
 */
export function compileSql(key: SearchKey, params: unknown[], ctx: SearchContext, positive = true): string {
  return compile(key, params, ctx, positive, false);
}

/**
 * `stored`: the key's text keys are all header keys on stored fields (textSource 'stored'), and
 * compile to exact conditions on b.search_headers / b.search_addresses, for rows that have them.
 */
function compile(key: SearchKey, params: unknown[], ctx: SearchContext, positive: boolean, stored: boolean): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (key.op) {
    case 'all':
      return 'TRUE';
    case 'and':
      return key.keys.length ? `(${key.keys.map((k) => compile(k, params, ctx, positive, stored)).join(' AND ')})` : 'TRUE';
    case 'or':
      return `(${key.keys.map((k) => compile(k, params, ctx, positive, stored)).join(' OR ')})`;
    case 'not':
      if (!stored && needsText(key.key)) return 'TRUE';
      return `NOT (${compile(key.key, params, ctx, !positive, stored)})`;
    case 'uid':
      return uidCondition(key.ranges, params, 'm.uid');
    case 'flag':
      return `${key.present ? '' : 'NOT '}(${p(key.flag)} = ANY(m.flags))`;
    case 'recent':
      return `m.uid = ANY(${p([...ctx.recent])}::bigint[])`;
    case 'date': {
      // The internal date by its UTC day (as INTERNALDATE shows it); the sent date as the Date:
      // header writes it, or the internal date's day without a parseable one (as Dovecot does).
      const internal = `(m.internal_date AT TIME ZONE 'UTC')::date`;
      const col = key.field === 'internal' ? internal : `coalesce(b.sent_date, ${internal})`;
      const day = p(validDay(key.day));
      if (key.cmp === 'before') return `(${col} < ${day}::date)`;
      if (key.cmp === 'since') return `(${col} >= ${day}::date)`;
      return `(${col} = ${day}::date)`;
    }
    case 'size':
      return key.cmp === 'larger' ? `m.size > ${p(key.bytes)}` : `m.size < ${p(key.bytes)}`;
    case 'modseq':
      return `m.modseq >= ${p(key.min)}`;
    case 'header':
      return stored ? storedTextCondition('b.search_headers', key.field.toLowerCase(), key.value, p) : 'TRUE';
    case 'address':
      return stored ? storedTextCondition('b.search_addresses', key.field, key.value, p) : 'TRUE';
    case 'body':
    case 'text':
      return 'TRUE';
  }
}

// ---------------------------------------------------------------- text matching

/** What text keys look at in one message: its top-level header fields, and the body needles found. */
export interface MessageText {
  header: readonly HeaderField[];
  /** The folded BODY/TEXT needles its text parts contain. */
  bodyFound: ReadonlySet<string>;
}

/** Evaluates the full key over one message (row data plus, for text keys, what its text holds). */
export function matches(key: SearchKey, row: SearchRow, ctx: SearchContext, text: MessageText | null): boolean {
  switch (key.op) {
    case 'all':
      return true;
    case 'and':
      return key.keys.every((k) => matches(k, row, ctx, text));
    case 'or':
      return key.keys.some((k) => matches(k, row, ctx, text));
    case 'not':
      return !matches(key.key, row, ctx, text);
    case 'uid':
      return key.ranges.some(([a, b]) => row.uid >= Math.min(a, b) && row.uid <= Math.max(a, b));
    case 'flag':
      return row.flags.includes(key.flag) === key.present;
    case 'recent':
      return ctx.recent.has(row.uid);
    case 'date': {
      const internal = row.internalDate.toISOString().slice(0, 10);
      const day = key.field === 'internal' ? internal : (row.sentDay ?? internal);
      return key.cmp === 'before' ? day < key.day : key.cmp === 'since' ? day >= key.day : day === key.day;
    }
    case 'size':
      return key.cmp === 'larger' ? row.size > key.bytes : row.size < key.bytes;
    case 'modseq':
      return row.modseq >= key.min;
    case 'header': {
      const want = fold(key.value);
      const name = key.field.toLowerCase();
      return text!.header.some((f) => f.key === name && headerMatchText(f.value).includes(want));
    }
    case 'address': {
      const want = fold(key.value);
      return text!.header.some((f) => f.key === key.field && addressMatchText(f.value).includes(want));
    }
    case 'body':
      return text!.bodyFound.has(fold(key.value));
    case 'text': {
      const want = fold(key.value);
      const header = text!.header.map((f) => `${f.key}: ${decodeWords(f.value)}`).join('\n');
      return fold(header).includes(want) || text!.bodyFound.has(want);
    }
  }
}

// ---------------------------------------------------------------- running a search

export interface SearchScope {
  pool: pg.Pool;
  folderId: string;
  recent: ReadonlySet<number>;
}

/** Messages up to this size are loaded whole for text keys; larger ones are read in slices. */
const WHOLE_MESSAGE_BYTES = 256 * 1024;
/** Candidates whose stored bytes one query loads. */
const TEXT_BATCH = 50;

type CandidateRow = {
  uid: string;
  flags: string[];
  modseq: string;
  internal_date: Date;
  size: number;
  sent_day: string | null;
  blob_id: string;
  /** Stored before mail_blobs kept the header match texts (./search-text.ts). */
  unindexed: boolean;
};

function searchRow(r: CandidateRow): SearchRow {
  return { uid: num(r.uid), flags: r.flags, modseq: num(r.modseq), internalDate: r.internal_date, size: r.size, sentDay: r.sent_day };
}

/** A stored message's bytes: from what was loaded (its first bytes, or all), else from Postgres. */
function storedBytes(pool: pg.Pool, blobId: string, loaded: Buffer | null): StoredBytes {
  const inLoaded = (end: number) => loaded !== null && end <= loaded.length;
  return {
    async read(start, end) {
      if (inLoaded(end)) return loaded!.subarray(start, end);
      const r = await pool.query<{ bytes: Buffer }>('SELECT substring(raw FROM $2 FOR $3) AS bytes FROM mail_blobs WHERE id = $1', [blobId, start + 1, end - start]);
      return r.rows[0]?.bytes ?? Buffer.alloc(0);
    },
    async *pieces(start, end) {
      if (inLoaded(end)) {
        for (let o = start; o < end; o += SCAN_PIECE) yield loaded!.subarray(o, Math.min(end, o + SCAN_PIECE));
        return;
      }
      // One slice of the value per query (detoasted once, in the CTE), sent back in small rows.
      for (let pos = start; pos < end; pos += SCAN_CHUNK) {
        const r = await pool.query<{ bytes: Buffer }>(
          `WITH slice AS MATERIALIZED (SELECT substring(raw FROM $2 FOR $3) AS x FROM mail_blobs WHERE id = $1)
           SELECT substring(slice.x FROM o FOR $4) AS bytes FROM slice, generate_series(1, length(slice.x), $4) AS o ORDER BY o`,
          [blobId, pos + 1, Math.min(SCAN_CHUNK, end - pos), SCAN_PIECE],
        );
        if (!r.rows.length) return;
        for (const row of r.rows) yield row.bytes;
      }
    },
  };
}

/** The SQL candidates narrowed by the text keys, reading each message's header and, for BODY/TEXT, streaming its body. */
async function textMatches(scope: SearchScope, key: SearchKey, candidates: CandidateRow[]): Promise<CandidateRow[]> {
  const ctx = { recent: scope.recent };
  const needles = bodyNeedles(key);
  const headerKeys = readsHeader(key);
  const kept: CandidateRow[] = [];
  for (let i = 0; i < candidates.length; i += TEXT_BATCH) {
    const batch = candidates.slice(i, i + TEXT_BATCH);
    // Small messages come whole when bodies are searched; otherwise only the top-level header.
    const blobs = await scope.pool.query<{ id: string; raw: Buffer | null; mime: MimeIndex }>(
      `SELECT id, mime, CASE WHEN $2 AND size <= $3 THEN raw ELSE substring(raw FROM 1 FOR (mime->'root'->>'b')::int) END AS raw
         FROM mail_blobs WHERE id = ANY($1::uuid[])`,
      [[...new Set(batch.map((r) => r.blob_id))], needles.length > 0, WHOLE_MESSAGE_BYTES],
    );
    const byId = new Map(blobs.rows.map((b) => [b.id, b]));
    const fills = new Map<string, { id: string; h: string[]; a: string[] }>();
    for (const r of batch) {
      const b = byId.get(r.blob_id);
      // Expunged and collected by another session meanwhile: nothing left to match.
      if (!b) continue;
      const bytes = storedBytes(scope.pool, b.id, b.raw);
      const root = b.mime.root;
      // BODY alone on a message with its match texts reads no top-level header.
      const header = headerKeys || r.unindexed ? parseHeader(await bytes.read(root.h, root.b), 0, root.b - root.h) : [];
      if (r.unindexed) {
        const t = searchTexts(header);
        if (t) fills.set(b.id, { id: b.id, h: t.headers, a: t.addresses });
      }
      const bodyFound = needles.length ? await scanBody(bytes, b.mime, needles) : new Set<string>();
      if (matches(key, searchRow(r), ctx, { header, bodyFound })) kept.push(r);
    }
    await fillSearchTexts(scope.pool, [...fills.values()]);
  }
  return kept;
}

/**
 * Stores the match texts of messages stored before the columns, now that their header was read,
 * so the next SEARCH answers them in SQL. Not on a read-only database (a standby): they wait.
 */
async function fillSearchTexts(pool: pg.Pool, rows: { id: string; h: string[]; a: string[] }[]): Promise<void> {
  if (!rows.length) return;
  try {
    await pool.query(
      `UPDATE mail_blobs b SET search_headers = ARRAY(SELECT jsonb_array_elements_text(u.h)), search_addresses = ARRAY(SELECT jsonb_array_elements_text(u.a))
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, h jsonb, a jsonb)
        WHERE b.id = u.id AND b.search_headers IS NULL`,
      [JSON.stringify(rows)],
    );
  } catch (err) {
    if (!isReadOnlyDatabase(err)) throw err;
  }
}

/**
 * SEARCH over one folder; `key` has its system flags in stored case. Header keys on stored fields
 * are exact SQL for the rows with match texts; only the others go through the JS matcher.
 */
export async function searchFolder(scope: SearchScope, key: SearchKey): Promise<SearchResult> {
  const params: unknown[] = [scope.folderId];
  const ctx = { recent: scope.recent };
  const source = textSource(key);
  const loose = compile(key, params, ctx, true, false);
  const where = source === 'stored' ? `CASE WHEN b.search_headers IS NULL THEN ${loose} ELSE ${compile(key, params, ctx, true, true)} END` : loose;
  const rows = await scope.pool.query<CandidateRow>(
    `SELECT m.uid, m.flags, m.modseq, m.internal_date, m.size, to_char(b.sent_date, 'YYYY-MM-DD') AS sent_day, m.blob_id,
            b.search_headers IS NULL AS unindexed
       FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id
      WHERE m.folder_id = $1 AND ${where} ORDER BY m.uid`,
    params,
  );
  let hits = rows.rows;
  if (source === 'bytes') hits = await textMatches(scope, key, hits);
  else if (source === 'stored' && hits.some((r) => r.unindexed)) {
    const kept = new Set(await textMatches(scope, key, hits.filter((r) => r.unindexed)));
    hits = hits.filter((r) => !r.unindexed || kept.has(r));
  }
  const modseqs = usesModseq(key) ? hits.map((r) => num(r.modseq)) : null;
  const highestModseq = modseqs && modseqs.length ? modseqs.reduce((a, b) => Math.max(a, b)) : null;
  return { uids: hits.map((r) => num(r.uid)), highestModseq, modseqs };
}
