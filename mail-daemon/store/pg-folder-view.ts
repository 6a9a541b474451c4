// Over 300 lines: one class, the FolderView of imap/backend.ts; its writes share the folder-row locking.
// The selected folder of an IMAP session (RFC 3501 SELECTED state): flags, COPY/MOVE, EXPUNGE,
// SEARCH and the changes other sessions made since the last look (RFC 7162 CONDSTORE/QRESYNC).
// FETCH is in ./fetch.ts. Every write locks the folder row first (see ./pg-store.ts).
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { withTransaction } from '@/lib/db/transaction';
import {
  StoreError,
  type ChangesSince,
  type CopyResult,
  type FetchItems,
  type FetchOptions,
  type FetchResult,
  type FolderChanges,
  type FolderInfo,
  type FolderView,
  type MessageSummary,
  type MoveResult,
  type SearchKey,
  type SearchResult,
  type SortCriterion,
  type StoreFlagsInput,
  type StoreFlagsResult,
  type ThreadAlgorithm,
  type ThreadNode,
  type UidRanges,
} from '@/mail-daemon/imap/backend';
import { announce, num, readEvenIfReadOnly, type Client } from './db';
import { fetchMessages } from './fetch';
import { normalizeFlags, STORED_SYSTEM_FLAGS, uidCondition } from './flags';
import { removeMessages } from './expunge';
import { allocateUids, claimRecent, folderRow } from './folders';
import { junkVerdict, recordJunkJudgements } from './junk-training';
import { charge, fits } from './quota';
import { searchFolder } from './search-folder';
import { writeFlags } from './store-flags';
import { ResultCache, sortFolder, threadFolder, type SortScope } from './sort';

/** What a folder view needs of its session and store. */
export interface FolderViewScope {
  pool: pg.Pool;
  mailboxId: string;
  /** Deletes blobs no message references any more, after a commit (best effort). */
  collect(blobIds: string[]): void;
}

export class PgFolderView implements FolderView {
  constructor(
    private readonly scope: FolderViewScope,
    readonly folder: FolderInfo,
    readonly readOnly: boolean,
    readonly uidValidity: number,
    private readonly recent: Set<number>,
  ) {}

  private get pool() {
    return this.scope.pool;
  }

  private writable(): void {
    if (this.readOnly) throw new StoreError('readonly', 'folder is read-only');
  }

  recentUids(): ReadonlySet<number> {
    return this.recent;
  }

  async flagsInUseOn(c: Client | pg.Pool): Promise<string[]> {
    const r = await c.query<{ f: string }>(
      `SELECT DISTINCT unnest(flags) AS f FROM mail_messages WHERE folder_id = $1`,
      [this.folder.id],
    );
    const keywords = r.rows.map((x) => x.f).filter((f) => !f.startsWith('\\')).sort();
    return [...STORED_SYSTEM_FLAGS, ...keywords];
  }

  flagsInUse(): Promise<string[]> {
    return this.flagsInUseOn(this.pool);
  }

  fetch(uids: UidRanges | number[], items: FetchItems, options: FetchOptions = {}): AsyncIterable<FetchResult> {
    return fetchMessages({ pool: this.pool, mailboxId: this.scope.mailboxId, folderId: this.folder.id, readOnly: this.readOnly }, uids, items, options);
  }

  async storeFlags(uids: UidRanges | number[], input: StoreFlagsInput): Promise<StoreFlagsResult> {
    this.writable();
    const written = await writeFlags(this.pool, { mailboxId: this.scope.mailboxId, folderId: this.folder.id }, uids, {
      op: input.op,
      flags: normalizeFlags(input.flags),
      unchangedSince: input.unchangedSince,
    });
    return { updated: written.updated.map(({ uid, flags, modseq }) => ({ uid, flags, modseq })), modified: written.modified };
  }

  /** Copies rows into `dest` (locked with the source in id order); returns the mapping. */
  private async copyInto(c: Client, uids: UidRanges | number[], destination: string, checkQuota: boolean) {
    const dest = await folderRow(c, this.scope.mailboxId, destination);
    await c.query('SELECT id FROM mail_folders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[this.folder.id, dest.id]]);
    const params: unknown[] = [this.folder.id];
    const src = await c.query<{ uid: string; blob_id: string; flags: string[]; internal_date: Date; internal_date_zone: number; size: number }>(
      `SELECT uid, blob_id, flags, internal_date, internal_date_zone, size FROM mail_messages WHERE folder_id = $1 AND ${uidCondition(uids, params)} ORDER BY uid`,
      params,
    );
    if (!src.rows.length) return { dest, mapping: [] as [number, number][], uidValidity: num(dest.uid_validity), total: 0, modseq: 0 };
    const { firstUid, modseq, uidValidity } = await allocateUids(c, dest.id, src.rows.length);
    const total = src.rows.reduce((n, r) => n + r.size, 0);
    if (checkQuota) {
      const q = await fits(c, this.scope.mailboxId, total);
      if (!q.ok) throw new StoreError('overquota', 'quota exceeded');
    }
    await c.query(
      `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, internal_date_zone, size, modseq)
       SELECT $1, $2 + s.n - 1, s.blob_id, ARRAY(SELECT jsonb_array_elements_text(s.flags)), s.internal_date, s.internal_date_zone, s.size, $3
         FROM jsonb_to_recordset($4::jsonb) AS s(blob_id uuid, flags jsonb, internal_date timestamptz, internal_date_zone smallint, size int, n int)`,
      [dest.id, firstUid, modseq, JSON.stringify(src.rows.map((r, i) => ({ n: i + 1, blob_id: r.blob_id, flags: r.flags, internal_date: r.internal_date, internal_date_zone: r.internal_date_zone, size: r.size })))],
    );
    const mapping = src.rows.map((r, i) => [num(r.uid), firstUid + i] as [number, number]);
    // A folder's special use is given when it is created (RFC 6154 CREATE … USE) and never
    // changes, so the selected folder's and the destination row just read are current.
    const verdict = junkVerdict(this.folder.specialUse, dest.special_use);
    if (verdict) await recordJunkJudgements(c, this.scope.mailboxId, verdict, src.rows.map((r) => r.blob_id));
    await announce(c, { mailboxId: this.scope.mailboxId, folderId: dest.id, modseq, kind: 'messages' });
    return { dest, mapping, uidValidity, total, modseq };
  }

  async copy(uids: UidRanges | number[], destination: string): Promise<CopyResult> {
    return withTransaction(this.pool, async (c) => {
      const r = await this.copyInto(c, uids, destination, true);
      await charge(c, this.scope.mailboxId, r.total);
      return { uidValidity: r.uidValidity, mapping: r.mapping };
    });
  }

  async move(uids: UidRanges | number[], destination: string): Promise<MoveResult> {
    this.writable();
    const result = await withTransaction(this.pool, async (c) => {
      const r = await this.copyInto(c, uids, destination, false);
      const removed = await this.remove(c, r.mapping.map(([s]) => s), false);
      // Quota: the copies and the removals cancel out (both inside this transaction).
      await charge(c, this.scope.mailboxId, r.total - removed.total);
      return { uidValidity: r.uidValidity, mapping: r.mapping, expunged: removed.uids, blobs: removed.blobs };
    });
    this.scope.collect(result.blobs);
    return { uidValidity: result.uidValidity, mapping: result.mapping, expunged: result.expunged };
  }

  /** Deletes messages (all given UIDs, or only \Deleted ones) with tombstones; no quota change. */
  private async remove(c: Client, uids: UidRanges | number[] | undefined, onlyDeleted: boolean) {
    const removed = await removeMessages(c, { mailboxId: this.scope.mailboxId, folderId: this.folder.id }, uids, onlyDeleted);
    for (const u of removed.uids) this.recent.delete(u);
    return removed;
  }

  async expunge(uids?: UidRanges | number[]): Promise<number[]> {
    this.writable();
    const removed = await removeMessages(this.pool, { mailboxId: this.scope.mailboxId, folderId: this.folder.id }, uids, true, true);
    for (const u of removed.uids) this.recent.delete(u);
    this.scope.collect(removed.blobs);
    return removed.uids;
  }

  async search(key: SearchKey): Promise<SearchResult> {
    return searchFolder({ pool: this.pool, folderId: this.folder.id, recent: this.recent }, canonicalKey(key));
  }

  private readonly sortCache = new ResultCache();

  private sortScope(): SortScope {
    return { pool: this.pool, folderId: this.folder.id, recent: this.recent, search: (key) => this.search(key), cache: this.sortCache };
  }

  async sort(criteria: readonly SortCriterion[], key: SearchKey): Promise<number[]> {
    return sortFolder(this.sortScope(), criteria, canonicalKey(key));
  }

  async thread(algorithm: ThreadAlgorithm, key: SearchKey): Promise<ThreadNode[]> {
    return threadFolder(this.sortScope(), algorithm, canonicalKey(key));
  }

  async changes(since: ChangesSince): Promise<FolderChanges> {
    // A read-write view first claims what arrived since the last claim (no row lock when nothing
    // did; none on a read-only database), then reads everything in one statement, which sees
    // every message of the claimed range.
    const claim = this.readOnly ? null : await readEvenIfReadOnly(async (writable) => (writable ? claimRecent(this.pool, { id: this.folder.id }) : null));
    const r = await this.pool.query<{ uid_next: string; highest_modseq: string; expunged: string[] | null; msgs: MessageSummary[] | null; claimed: string[] | null }>(
      prepared(`SELECT uid_next, highest_modseq,
              (SELECT array_agg(uid ORDER BY uid) FROM mail_expunged WHERE folder_id = $1 AND modseq > $2) AS expunged,
              (SELECT json_agg(json_build_object('uid', uid, 'flags', flags, 'modseq', modseq) ORDER BY uid)
                 FROM mail_messages WHERE folder_id = $1 AND modseq > $2) AS msgs,
              (SELECT array_agg(uid ORDER BY uid) FROM mail_messages WHERE folder_id = $1 AND uid >= $3 AND uid < $4) AS claimed
         FROM mail_folders WHERE id = $1`),
      [this.folder.id, since.modseq, claim?.from ?? 0, claim?.to ?? 0],
    );
    const folder = r.rows[0];
    if (!folder) {
      return { expunged: [], added: [], updated: [], recent: [], highestModseq: since.modseq, uidNext: since.uidNext, gone: true };
    }
    const added: MessageSummary[] = [];
    const updated: MessageSummary[] = [];
    for (const m of folder.msgs ?? []) (m.uid >= since.uidNext ? added : updated).push(m);
    const recent = (folder.claimed ?? []).map(num);
    for (const u of recent) this.recent.add(u);
    const expunged = (folder.expunged ?? []).map(num);
    for (const u of expunged) this.recent.delete(u);
    return { expunged, added, updated, recent, highestModseq: num(folder.highest_modseq), uidNext: num(folder.uid_next), gone: false };
  }
}

/** System flag names in search keys in their stored case. */
function canonicalKey(key: SearchKey): SearchKey {
  switch (key.op) {
    case 'and':
      return { op: 'and', keys: key.keys.map(canonicalKey) };
    case 'or':
      return { op: 'or', keys: [canonicalKey(key.keys[0]), canonicalKey(key.keys[1])] };
    case 'not':
      return { op: 'not', key: canonicalKey(key.key) };
    case 'flag': {
      if (!key.flag.startsWith('\\')) return key;
      const sys = STORED_SYSTEM_FLAGS.find((f) => f.toLowerCase() === key.flag.toLowerCase());
      return sys ? { ...key, flag: sys } : key;
    }
    default:
      return key;
  }
}
