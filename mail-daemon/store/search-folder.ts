// Running a SEARCH over one folder: the SQL candidates of ./search.ts's compiled criteria, then,
// for text keys SQL cannot answer, each candidate's stored bytes matched in JS (small messages
// loaded whole, larger ones streamed in slices by ./body-scan.ts). Messages stored without their
// match texts get them stored as SEARCH reads them, so the next one answers them in SQL.
import type pg from 'pg';
import type { SearchKey, SearchResult } from '@/mail-daemon/imap/backend';
import { isReadOnlyDatabase } from '@/lib/db/faults';
import { parseHeader, type MimeIndex } from '@/lib/mime';
import { bodyMatchText, scanBody, SCAN_CHUNK, SCAN_PIECE, type StoredBytes } from './body-scan';
import { num } from './db';
import { bodyOffsetSql } from './rows';
import { searchTexts } from './search-text';
import { bodyNeedles, compile, matches, readsBlob, readsHeader, textSource, unindexedSql, usesModseq, type SearchRow } from './search';

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
  /** Without a stored text the key reads: matched over its bytes. */
  unindexed: boolean;
  /** Stored before mail_blobs kept the header match texts (./search-text.ts). */
  no_header_texts: boolean;
  /** Without the body match text (./body-scan.ts bodyMatchText). */
  no_body_text: boolean;
};

/** Match texts to store for a message SEARCH read without them; null: not known, left as it is. */
type TextFill = { id: string; h: string[] | null; a: string[] | null; body: string | null };

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
    const blobs = await scope.pool.query<{ id: string; raw: Buffer | null; whole: boolean; mime: MimeIndex }>(
      `SELECT id, mime, $2 AND size <= $3 AS whole, CASE WHEN $2 AND size <= $3 THEN raw ELSE substring(raw FROM 1 FOR ${bodyOffsetSql('mail_blobs')}) END AS raw
         FROM mail_blobs WHERE id = ANY($1::uuid[])`,
      [[...new Set(batch.map((r) => r.blob_id))], needles.length > 0, WHOLE_MESSAGE_BYTES],
    );
    const byId = new Map(blobs.rows.map((b) => [b.id, b]));
    const fills = new Map<string, TextFill>();
    for (const r of batch) {
      const b = byId.get(r.blob_id);
      // Expunged and collected by another session meanwhile: nothing left to match.
      if (!b) continue;
      const bytes = storedBytes(scope.pool, b.id, b.raw);
      const root = b.mime.root;
      // BODY alone on a message with its match texts reads no top-level header.
      const header = headerKeys || r.no_header_texts ? parseHeader(await bytes.read(root.h, root.b), 0, root.b - root.h) : [];
      const t = r.no_header_texts ? searchTexts(header) : null;
      // A message loaded whole is decoded once, into its body match text, which the needles are
      // looked for in (and which is stored when it was missing); a larger one is streamed.
      const body = needles.length && b.whole ? bodyMatchText(b.raw!, b.mime) : null;
      const stored = r.no_body_text ? body : null;
      if (t || stored !== null) fills.set(b.id, { id: b.id, h: t?.headers ?? null, a: t?.addresses ?? null, body: stored });
      const bodyFound = body !== null ? new Set(needles.filter((n) => body.includes(n))) : await scanBody(bytes, b.mime, needles);
      if (matches(key, searchRow(r), ctx, { header, bodyFound })) kept.push(r);
    }
    await fillSearchTexts(scope.pool, [...fills.values()]);
  }
  return kept;
}

/**
 * Stores the match texts of messages stored without them, now that their bytes were read, so the
 * next SEARCH answers them in SQL. Not on a read-only database (a standby): they wait.
 */
async function fillSearchTexts(pool: pg.Pool, rows: TextFill[]): Promise<void> {
  if (!rows.length) return;
  try {
    await pool.query(
      `UPDATE mail_blobs b
          SET search_headers = CASE WHEN b.search_headers IS NULL AND u.h IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(u.h)) ELSE b.search_headers END,
              search_addresses = CASE WHEN b.search_headers IS NULL AND u.a IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(u.a)) ELSE b.search_addresses END,
              search_body = coalesce(b.search_body, u.body)
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, h jsonb, a jsonb, body text)
        WHERE b.id = u.id`,
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
  const unindexed = source === 'stored' ? unindexedSql(key) : 'TRUE';
  const where = source === 'stored' ? `CASE WHEN ${unindexed} THEN ${loose} ELSE ${compile(key, params, ctx, true, true)} END` : loose;
  // Flags, UIDs, internal dates, sizes and MODSEQ are the message row's: the common searches
  // (UNSEEN, SINCE, a UID range) read no stored message's row, and what SQL answers whole needs
  // only the UIDs and MODSEQs back.
  const from = readsBlob(key) ? 'mail_messages m JOIN mail_blobs b ON b.id = m.blob_id' : 'mail_messages m';
  const columns =
    source === 'none'
      ? 'm.uid, m.modseq'
      : `m.uid, m.flags, m.modseq, m.internal_date, m.size, to_char(b.sent_date, 'YYYY-MM-DD') AS sent_day, m.blob_id,
         ${unindexed} AS unindexed, b.search_headers IS NULL AS no_header_texts, b.search_body IS NULL AS no_body_text`;
  const rows = await scope.pool.query<CandidateRow>(`SELECT ${columns} FROM ${from} WHERE m.folder_id = $1 AND ${where} ORDER BY m.uid`, params);
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
