// SORT and THREAD (RFC 5256, RFC 5957) over a folder: the search part becomes SQL as SEARCH's
// does (./search.ts); when it has text keys, SEARCH itself picks the UIDs first. SORT orders in
// Postgres; THREAD reads the matching messages' keys in one query and threads them (./thread.ts).
// A view answers the same question again from its cache while the folder is unchanged.
import type pg from 'pg';
import type { SearchKey, SearchResult, SortCriterion, SortKey, ThreadAlgorithm, ThreadNode } from '@/mail-daemon/imap/backend';
import { num } from './db';
import { compileSql, needsText } from './search';
import { fillSortKeys } from './sort-keys';
import { orderedSubject, references, type ThreadRow } from './thread';

export interface SortScope {
  pool: pg.Pool;
  folderId: string;
  recent: ReadonlySet<number>;
  /** The folder's SEARCH, for criteria SQL alone cannot decide. */
  search(key: SearchKey): Promise<SearchResult>;
  /** The view's last answers (one per view: its \Recent set is part of what they depend on). */
  cache: ResultCache;
}

/**
 * The last few SORT and THREAD answers of one view, each kept with the folder's state it was
 * computed at (highest modseq, UIDNEXT, the view's \Recent count): every flag change, arrival
 * and expunge moves that state, so an answer is served again only while it is still the answer
 * (RFC 5267 4.5 allows such a cache when it behaves as if there were none).
 */
export class ResultCache {
  private readonly entries = new Map<string, { state: string; value: unknown }>();

  constructor(private readonly size = 3) {}

  async get<T>(scope: SortScope, question: unknown, compute: () => Promise<T>): Promise<T> {
    const f = await scope.pool.query<{ s: string }>(`SELECT highest_modseq || '/' || uid_next AS s FROM mail_folders WHERE id = $1`, [scope.folderId]);
    // Read before computing: a change committed meanwhile only makes the kept answer newer than its state.
    const state = `${f.rows[0]?.s ?? 'gone'}/${scope.recent.size}`;
    const key = JSON.stringify(question);
    const hit = this.entries.get(key);
    if (hit && hit.state === state) return hit.value as T;
    const value = await compute();
    this.entries.delete(key);
    this.entries.set(key, { state, value });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/** RFC 5256 2.2: the sent date is the Date header's, else the internal date. */
const SENT_DATE = 'coalesce(b.sent_at, m.internal_date)';

const ORDER: Record<SortKey, string> = {
  arrival: 'm.internal_date',
  cc: 'b.sort_cc COLLATE "C"',
  date: SENT_DATE,
  from: 'b.sort_from COLLATE "C"',
  size: 'm.size',
  subject: 'b.sort_subject COLLATE "C"',
  to: 'b.sort_to COLLATE "C"',
  displayfrom: 'b.sort_display_from COLLATE "C"',
  displayto: 'b.sort_display_to COLLATE "C"',
};

/** The WHERE clause for `key` over mail_messages m JOIN mail_blobs b, its parameters appended. */
async function matching(scope: SortScope, key: SearchKey, params: unknown[]): Promise<string> {
  if (needsText(key)) {
    const { uids } = await scope.search(key);
    params.push(uids);
    return `m.uid = ANY($${params.length}::bigint[])`;
  }
  return compileSql(key, params, { recent: scope.recent });
}

export function sortFolder(scope: SortScope, criteria: readonly SortCriterion[], key: SearchKey): Promise<number[]> {
  return scope.cache.get(scope, ['sort', criteria, key], () => sortNow(scope, criteria, key));
}

export function threadFolder(scope: SortScope, algorithm: ThreadAlgorithm, key: SearchKey): Promise<ThreadNode[]> {
  return scope.cache.get(scope, ['thread', algorithm, key], () => threadNow(scope, algorithm, key));
}

async function sortNow(scope: SortScope, criteria: readonly SortCriterion[], key: SearchKey): Promise<number[]> {
  await fillSortKeys(scope.pool, scope.folderId);
  const params: unknown[] = [scope.folderId];
  const where = await matching(scope, key, params);
  const order = [...criteria.map((c) => `${ORDER[c.key]}${c.reverse ? ' DESC' : ''}`), 'm.uid'].join(', ');
  const r = await scope.pool.query<{ uid: string }>(
    `SELECT m.uid FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id WHERE m.folder_id = $1 AND ${where} ORDER BY ${order}`,
    params,
  );
  return r.rows.map((row) => num(row.uid));
}

async function threadNow(scope: SortScope, algorithm: ThreadAlgorithm, key: SearchKey): Promise<ThreadNode[]> {
  await fillSortKeys(scope.pool, scope.folderId);
  const params: unknown[] = [scope.folderId];
  const where = await matching(scope, key, params);
  const refs = algorithm === 'references';
  // References as one newline-joined string (an unfolded header value holds no newline): far
  // cheaper for the driver than 100,000 text[] values.
  const r = await scope.pool.query<{ uid: string; s: string; r: boolean; d: string; id: string | null; p: string | null }>(
    `SELECT m.uid, b.sort_subject AS s, b.thread_reply AS r, (extract(epoch FROM ${SENT_DATE}) * 1000)::float8 AS d
            ${refs ? `, b.message_id AS id, array_to_string(b.thread_parents, E'\\n') AS p` : ''}
       FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id WHERE m.folder_id = $1 AND ${where}`,
    params,
  );
  const rows: ThreadRow[] = r.rows.map((x) => ({
    uid: num(x.uid),
    subject: x.s,
    replyOrForward: x.r,
    date: Number(x.d),
    messageId: x.id ?? null,
    parents: x.p ? x.p.split('\n') : [],
  }));
  return refs ? references(rows) : orderedSubject(rows);
}
