// Raw messages stored once, with the MIME index computed once (lib/mime).
import { indexWithHeader, normalizeCrlf, sha256Hex, type MimeIndex, type ParsedHeader } from '@/lib/mime';
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import type { Client } from './db';
import { SEARCH_TEXT_COLUMNS, searchTexts, searchTextValues, type SearchTexts } from './search-text';
import { SORT_KEY_COLUMNS, sortKeys, sortKeyValues, type SortKeys } from './sort-keys';
import { sentDay } from './sent-date';

export interface PreparedBlob {
  raw: Buffer;
  index: MimeIndex;
  /** The top-level header the index was read from, for whoever reads more of it (the Received hops). */
  header: ParsedHeader;
  sha256: string;
  /** What SORT and THREAD compare (./sort-keys.ts). */
  keys: SortKeys;
  /** What SEARCH's header keys match (./search-text.ts); null: matched from the header bytes. */
  search: SearchTexts | null;
}

/**
 * CPU work done before the transaction opens. Line ends become CRLF first (IMAP serves CRLF), so
 * the stored bytes are the served bytes and every size is theirs; `verbatim` (an RFC 3516 literal8
 * APPEND, whose binary bodies hold CR and LF octets as data) keeps every octet as sent.
 */
export function prepareBlob(input: Buffer, options: { verbatim?: boolean } = {}): PreparedBlob {
  const raw = options.verbatim ? input : normalizeCrlf(input);
  const { index, header } = indexWithHeader(raw);
  return { raw, index, header, sha256: sha256Hex(raw), keys: sortKeys(index.envelope, header.fields), search: searchTexts(header.fields) };
}

export async function insertBlob(client: Client, blob: PreparedBlob): Promise<string> {
  const values: unknown[] = [];
  const r = await client.query<{ id: string }>(insertBlobSql(blob, (v) => `$${values.push(v)}`), values);
  return r.rows[0].id;
}

/** The INSERT … RETURNING id of a prepared blob, its values bound through `p` (for a larger statement too). */
export function insertBlobSql(blob: PreparedBlob, p: (value: unknown) => string): string {
  const values = [blob.raw.length, blob.sha256, blob.raw, JSON.stringify(blob.index), blob.index.root.b, blob.index.sentAt, sentDay(blob.index.envelope.date, blob.index.sentAt), ...sortKeyValues(blob.keys), ...searchTextValues(blob.search)];
  const columns = [...SORT_KEY_COLUMNS, ...SEARCH_TEXT_COLUMNS].join(', ');
  return `INSERT INTO mail_blobs (size, sha256, raw, mime, body_offset, sent_at, sent_date, ${columns}) VALUES (${values.map(p).join(', ')}) RETURNING id`;
}

// Run after every EXPUNGE: sent named, parsed and planned once per connection (planning it cost more than running it).
const COLLECT = prepared(`DELETE FROM mail_blobs b WHERE b.id = ANY($1::uuid[])
                 AND NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.blob_id = b.id)`);

/**
 * Deletes blobs no folder message references any more. Best effort, outside the expunge
 * transaction: another table (e.g. an SMTP receipt) may still hold a blob on purpose.
 */
export async function collectBlobs(client: Client, blobIds: string[]): Promise<void> {
  if (!blobIds.length) return;
  try {
    await client.query(COLLECT, [blobIds]);
  } catch {
    // A foreign key elsewhere keeps one of them: retry one by one, keeping the referenced ones.
    for (const id of blobIds) await client.query(COLLECT, [[id]]).catch(() => {});
  }
}

/**
 * Deletes blobs no folder message references, older than `olderThanSeconds` (e.g. left behind when a
 * mailbox is deleted: its folders and messages cascade, blobs do not). Blobs other tables hold with
 * ON DELETE RESTRICT (the outbound queue) stay. Returns how many were deleted. For a periodic job.
 */
export async function sweepOrphanBlobs(pool: pg.Pool, options: { olderThanSeconds?: number; limit?: number } = {}): Promise<number> {
  const r = await pool.query<{ id: string }>(
    `SELECT b.id FROM mail_blobs b
      WHERE b.created_at < now() - make_interval(secs => $1)
        AND NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.blob_id = b.id)
      LIMIT $2`,
    [options.olderThanSeconds ?? 3600, options.limit ?? 1000],
  );
  if (!r.rows.length) return 0;
  const client = await pool.connect();
  try {
    const before = await client.query('SELECT count(*)::int AS n FROM mail_blobs WHERE id = ANY($1::uuid[])', [r.rows.map((x) => x.id)]);
    await collectBlobs(client, r.rows.map((x) => x.id));
    const after = await client.query('SELECT count(*)::int AS n FROM mail_blobs WHERE id = ANY($1::uuid[])', [r.rows.map((x) => x.id)]);
    return before.rows[0].n - after.rows[0].n;
  } finally {
    client.release();
  }
}
