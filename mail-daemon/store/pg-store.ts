// The Postgres implementation of the IMAP store interface (mail-daemon/imap/backend.ts).
//
// Concurrency rule: every change to a folder's messages first locks (updates) the folder row —
// UID/MODSEQ allocation, flag changes, expunges — so a reader holding that row lock (SELECT,
// changes()) sees one consistent state. Row lock order: folders (by id) → mailboxes → domains.
// Quota use is charged in the same transaction as each insert/delete (lib: ./quota.ts).
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import type { NotifyBus } from '@/lib/db/notify';
import { applyPartial, filterHeader, sectionRange, type MimeIndex } from '@/lib/mime';
import {
  HIERARCHY_DELIMITER,
  StoreError,
  type AppendInput,
  type AppendResult,
  type ChangesSince,
  type CopyResult,
  type FetchItems,
  type FetchOptions,
  type FetchResult,
  type FolderChanges,
  type FolderInfo,
  type FolderStatus,
  type FolderView,
  type MailboxEvent,
  type MailSession,
  type MailStore,
  type MailStoreLimits,
  type MessageSummary,
  type MoveResult,
  type QuotaInfo,
  type SearchKey,
  type SearchResult,
  type SelectResult,
  type SpecialUse,
  type StoreFlagsInput,
  type StoreFlagsResult,
  type UidRanges,
} from '@/mail-daemon/imap/backend';
import { collectBlobs, insertBlob, prepareBlob } from './blobs';
import { announce, num, withTransaction, type Client } from './db';
import { applyFlagOp, compareFlags, normalizeFlags, sameFlags, STORED_SYSTEM_FLAGS, uidCondition } from './flags';
import { allocateUids, canonicalName, DEFAULT_FOLDERS, ensureDefaultFolders, INBOX } from './folders';
import { charge, fits } from './quota';
import { compileSql, matches, needsBody, needsText, usesModseq, type SearchRow } from './search';

export const DEFAULT_APPEND_LIMIT = 50 * 1024 * 1024;
const MAX_NAME_LENGTH = 512;
/** Bytes of message data one fetch batch holds in memory (a larger single message is its own batch). */
const FETCH_BATCH_BYTES = 8 * 1024 * 1024;
const FETCH_BATCH_ROWS = 250;

export interface PgMailStoreOptions {
  pool: pg.Pool;
  /** For cross-process notifications; without it watch() never fires (tests of single operations). */
  bus?: NotifyBus;
  limits?: Partial<MailStoreLimits>;
  /** Failures of best-effort background work (blob collection). */
  onError?: (err: Error) => void;
}

interface FolderRow {
  id: string;
  name: string;
  special_use: string | null;
  subscribed: boolean;
  uid_validity: string;
  uid_next: string;
  highest_modseq: string;
  first_recent_uid: string;
}

function folderInfo(r: FolderRow): FolderInfo {
  return { id: r.id, name: r.name, delimiter: HIERARCHY_DELIMITER, specialUse: (r.special_use as SpecialUse) ?? null, subscribed: r.subscribed };
}

/** Canonical, validated folder name (Unicode, '/'-separated). Throws 'cannot'. */
export function validFolderName(name: string): string {
  let n = canonicalName(name);
  while (n.endsWith(HIERARCHY_DELIMITER)) n = n.slice(0, -1);
  if (!n || n.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f*%]/.test(n) || n.startsWith('/') || n.includes('//')) {
    throw new StoreError('cannot', 'invalid folder name');
  }
  return n;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

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

export class PgMailStore implements MailStore {
  readonly limits: MailStoreLimits;
  readonly pool: pg.Pool;
  private readonly bus?: NotifyBus;
  private listening?: Promise<void>;
  private readonly watchers = new Map<string, Set<(e: MailboxEvent) => void>>();
  readonly onError: (err: Error) => void;

  constructor(options: PgMailStoreOptions) {
    this.pool = options.pool;
    this.bus = options.bus;
    this.limits = { appendLimit: options.limits?.appendLimit ?? DEFAULT_APPEND_LIMIT };
    this.onError = options.onError ?? (() => {});
  }

  async open(mailboxId: string): Promise<MailSession> {
    // One read per login; the default folders are written only when some are missing.
    const r = await this.pool.query(
      `SELECT (SELECT count(*) FROM mail_folders WHERE mailbox_id = $1 AND name = ANY($2::text[])) AS n FROM mailboxes WHERE id = $1`,
      [mailboxId, DEFAULT_FOLDERS.map((f) => f.name)],
    );
    if (!r.rows[0]) throw new StoreError('nonexistent', 'no such mailbox');
    if (num(r.rows[0].n) < DEFAULT_FOLDERS.length) await withTransaction(this.pool, (c) => ensureDefaultFolders(c, mailboxId));
    await this.listen();
    return new PgMailSession(this, mailboxId);
  }

  private listen(): Promise<void> {
    if (!this.bus) return Promise.resolve();
    this.listening ??= this.bus.listen(CHANNELS.mailstore, (payload) => {
      if (payload.reconnected) {
        // Anything may have changed while the connection was down.
        for (const set of this.watchers.values()) for (const l of set) l({ folderId: null, modseq: null, kind: 'folders' });
        return;
      }
      const set = this.watchers.get(String(payload.mailboxId));
      if (!set) return;
      const event: MailboxEvent = {
        folderId: typeof payload.folderId === 'string' ? payload.folderId : null,
        modseq: typeof payload.modseq === 'number' ? payload.modseq : null,
        kind: payload.kind === 'folders' ? 'folders' : 'messages',
      };
      for (const l of set) l(event);
    });
    return this.listening;
  }

  watch(mailboxId: string, listener: (e: MailboxEvent) => void): () => void {
    let set = this.watchers.get(mailboxId);
    if (!set) this.watchers.set(mailboxId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.watchers.delete(mailboxId);
    };
  }

  /** Deletes unreferenced blobs after a commit; never fails the caller. */
  collect(blobIds: string[]): void {
    if (!blobIds.length) return;
    this.pool
      .connect()
      .then(async (c) => {
        try {
          await collectBlobs(c, blobIds);
        } finally {
          c.release();
        }
      })
      .catch((err) => this.onError(err as Error));
  }
}

export function createPgMailStore(options: PgMailStoreOptions): PgMailStore {
  return new PgMailStore(options);
}

class PgMailSession implements MailSession {
  private readonly unwatchers = new Set<() => void>();

  constructor(readonly store: PgMailStore, readonly mailboxId: string) {}

  private get pool() {
    return this.store.pool;
  }

  /** The folder row by name (optionally locked); throws 'nonexistent'. */
  async folder(client: Client | pg.Pool, name: string, lock = ''): Promise<FolderRow> {
    const r = await client.query<FolderRow>(
      `SELECT * FROM mail_folders WHERE mailbox_id = $1 AND name = $2 ${lock}`,
      [this.mailboxId, validFolderName(name)],
    );
    if (!r.rows[0]) throw new StoreError('nonexistent', 'no such folder');
    return r.rows[0];
  }

  async listFolders(): Promise<FolderInfo[]> {
    const r = await this.pool.query<FolderRow>(
      `SELECT * FROM mail_folders WHERE mailbox_id = $1 ORDER BY name <> 'INBOX', name`,
      [this.mailboxId],
    );
    return r.rows.map(folderInfo);
  }

  async createFolder(name: string, options: { specialUse?: SpecialUse } = {}): Promise<FolderInfo> {
    const n = validFolderName(name);
    return withTransaction(this.pool, async (c) => {
      // Superior names are created as needed (RFC 3501 CREATE).
      const levels = n.split(HIERARCHY_DELIMITER);
      for (let i = 1; i < levels.length; i++) {
        await c.query(`INSERT INTO mail_folders (mailbox_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [this.mailboxId, levels.slice(0, i).join('/')]);
      }
      const r = await c.query<FolderRow>(
        `INSERT INTO mail_folders (mailbox_id, name, special_use) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *`,
        [this.mailboxId, n, options.specialUse ?? null],
      );
      if (!r.rows[0]) throw new StoreError('alreadyexists', 'folder exists');
      await announce(c, { mailboxId: this.mailboxId, folderId: r.rows[0].id, modseq: null, kind: 'folders' });
      return folderInfo(r.rows[0]);
    });
  }

  async deleteFolder(name: string): Promise<void> {
    const n = validFolderName(name);
    if (n === INBOX) throw new StoreError('cannot', 'INBOX cannot be deleted');
    const blobs = await withTransaction(this.pool, async (c) => {
      const f = await this.folder(c, n, 'FOR UPDATE');
      const r = await c.query(
        `SELECT coalesce(sum(size), 0) AS total, coalesce(array_agg(DISTINCT blob_id) FILTER (WHERE blob_id IS NOT NULL), '{}') AS blobs
           FROM mail_messages WHERE folder_id = $1`,
        [f.id],
      );
      await c.query('DELETE FROM mail_folders WHERE id = $1', [f.id]);
      await charge(c, this.mailboxId, -num(r.rows[0].total));
      await announce(c, { mailboxId: this.mailboxId, folderId: f.id, modseq: null, kind: 'folders' });
      return r.rows[0].blobs as string[];
    });
    this.store.collect(blobs);
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const src = validFolderName(from);
    const dst = validFolderName(to);
    if (dst === INBOX || dst.startsWith(`${INBOX}/`) && src === INBOX) throw new StoreError('cannot', 'cannot rename to INBOX');
    if (dst === src) throw new StoreError('alreadyexists', 'folder exists');
    if (dst.startsWith(`${src}/`)) throw new StoreError('cannot', 'cannot move a folder into itself');
    await withTransaction(this.pool, async (c) => {
      const f = await this.folder(c, src, 'FOR UPDATE');
      const taken = await c.query('SELECT 1 FROM mail_folders WHERE mailbox_id = $1 AND name = $2', [this.mailboxId, dst]);
      if (taken.rowCount) throw new StoreError('alreadyexists', 'folder exists');
      const levels = dst.split(HIERARCHY_DELIMITER);
      for (let i = 1; i < levels.length; i++) {
        await c.query(`INSERT INTO mail_folders (mailbox_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [this.mailboxId, levels.slice(0, i).join('/')]);
      }
      if (src === INBOX) {
        // RFC 3501: all of INBOX's messages move to a new folder; INBOX stays, empty; its
        // inferiors are unaffected. UIDs are kept (new folder, new UIDVALIDITY).
        const nf = await c.query<FolderRow>(
          `INSERT INTO mail_folders (mailbox_id, name, uid_next, highest_modseq)
           VALUES ($1, $2, $3, $4) RETURNING *`,
          [this.mailboxId, dst, f.uid_next, num(f.highest_modseq) + 1],
        );
        const modseq = num(f.highest_modseq) + 1;
        await c.query('UPDATE mail_folders SET highest_modseq = $2 WHERE id = $1', [f.id, modseq]);
        const moved = await c.query(
          `UPDATE mail_messages SET folder_id = $2, modseq = $3 WHERE folder_id = $1 RETURNING uid`,
          [f.id, nf.rows[0].id, modseq],
        );
        await c.query(
          `INSERT INTO mail_expunged (folder_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::bigint[]) u
           ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq`,
          [f.id, moved.rows.map((r) => r.uid), modseq],
        );
        await announce(c, { mailboxId: this.mailboxId, folderId: f.id, modseq, kind: 'messages' });
      } else {
        try {
          await c.query(
            `UPDATE mail_folders SET name = $3 || substr(name, length($2) + 1)
              WHERE mailbox_id = $1 AND (name = $2 OR left(name, length($2) + 1) = $2 || '/')`,
            [this.mailboxId, src, dst],
          );
        } catch (err) {
          if (isUniqueViolation(err)) throw new StoreError('alreadyexists', 'a folder with the new name exists');
          throw err;
        }
      }
      await announce(c, { mailboxId: this.mailboxId, folderId: f.id, modseq: null, kind: 'folders' });
    });
  }

  private async setSubscribed(name: string, value: boolean): Promise<void> {
    const r = await this.pool.query('UPDATE mail_folders SET subscribed = $3 WHERE mailbox_id = $1 AND name = $2', [this.mailboxId, validFolderName(name), value]);
    if (!r.rowCount) throw new StoreError('nonexistent', 'no such folder');
  }

  subscribe(name: string): Promise<void> {
    return this.setSubscribed(name, true);
  }

  unsubscribe(name: string): Promise<void> {
    return this.setSubscribed(name, false);
  }

  async statusOf(client: Client | pg.Pool, f: FolderRow): Promise<FolderStatus> {
    const r = await client.query(
      `SELECT count(*) AS messages,
              count(*) FILTER (WHERE NOT ('\\Seen' = ANY(flags))) AS unseen,
              count(*) FILTER (WHERE '\\Deleted' = ANY(flags)) AS deleted,
              count(*) FILTER (WHERE uid >= $2) AS recent,
              coalesce(sum(size), 0) AS size
         FROM mail_messages WHERE folder_id = $1`,
      [f.id, f.first_recent_uid],
    );
    const s = r.rows[0];
    return {
      name: f.name,
      uidValidity: num(f.uid_validity),
      uidNext: num(f.uid_next),
      highestModseq: num(f.highest_modseq),
      messages: num(s.messages),
      recent: num(s.recent),
      unseen: num(s.unseen),
      deleted: num(s.deleted),
      size: num(s.size),
    };
  }

  async status(name: string): Promise<FolderStatus> {
    return withTransaction(this.pool, async (c) => this.statusOf(c, await this.folder(c, name, 'FOR SHARE')));
  }

  async select(name: string, options: { readOnly?: boolean } = {}): Promise<SelectResult> {
    const readOnly = options.readOnly ?? false;
    return withTransaction(this.pool, async (c) => {
      const f = await this.folder(c, name, readOnly ? 'FOR SHARE' : 'FOR UPDATE');
      const status = await this.statusOf(c, f);
      // A read-write SELECT claims the \Recent messages (RFC 3501: one session sees them);
      // EXAMINE reports them without claiming.
      const recentFrom = num(f.first_recent_uid);
      if (!readOnly) {
        await c.query('UPDATE mail_folders SET first_recent_uid = uid_next WHERE id = $1', [f.id]);
      }
      const rows = await c.query<{ uid: string; seen: boolean }>(
        `SELECT uid, '\\Seen' = ANY(flags) AS seen FROM mail_messages WHERE folder_id = $1 ORDER BY uid`,
        [f.id],
      );
      const uids = rows.rows.map((r) => num(r.uid));
      const firstUnseen = rows.rows.find((r) => !r.seen);
      const view = new PgFolderView(this, folderInfo(f), readOnly, num(f.uid_validity), new Set(uids.filter((u) => u >= recentFrom)));
      return {
        view,
        status,
        uids,
        firstUnseenUid: firstUnseen ? num(firstUnseen.uid) : null,
        flags: await view.flagsInUseOn(c),
      };
    });
  }

  async append(folder: string, input: AppendInput): Promise<AppendResult> {
    const raw = await readLiteral(input, this.store.limits.appendLimit);
    const flags = normalizeFlags(input.flags ?? []);
    const blob = prepareBlob(raw);
    return withTransaction(this.pool, async (c) => {
      const f = await this.folder(c, folder);
      const { firstUid, modseq, uidValidity } = await allocateUids(c, f.id, 1);
      const q = await fits(c, this.mailboxId, blob.raw.length);
      if (!q.ok) throw new StoreError('overquota', 'quota exceeded');
      const blobId = await insertBlob(c, blob);
      await c.query(
        `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [f.id, firstUid, blobId, flags, input.internalDate ?? new Date(), blob.raw.length, modseq],
      );
      await charge(c, this.mailboxId, blob.raw.length);
      await announce(c, { mailboxId: this.mailboxId, folderId: f.id, modseq, kind: 'messages' });
      return { uidValidity, uid: firstUid };
    });
  }

  async quota(): Promise<QuotaInfo> {
    const r = await this.pool.query(
      `SELECT used_bytes, quota_bytes,
              (SELECT count(*) FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1) AS messages
         FROM mailboxes WHERE id = $1`,
      [this.mailboxId],
    );
    const row = r.rows[0];
    if (!row) throw new StoreError('nonexistent', 'no such mailbox');
    return { usedBytes: num(row.used_bytes), limitBytes: num(row.quota_bytes), messages: num(row.messages) };
  }

  watch(listener: (event: MailboxEvent) => void): () => void {
    const off = this.store.watch(this.mailboxId, listener);
    this.unwatchers.add(off);
    return () => {
      off();
      this.unwatchers.delete(off);
    };
  }

  close(): void {
    for (const off of this.unwatchers) off();
    this.unwatchers.clear();
  }
}

interface MetaRow {
  uid: string;
  flags: string[];
  modseq: string;
  internal_date: Date;
  size: number;
  blob_id: string;
  mime?: MimeIndex;
}

class PgFolderView implements FolderView {
  constructor(
    private readonly session: PgMailSession,
    readonly folder: FolderInfo,
    readonly readOnly: boolean,
    readonly uidValidity: number,
    private readonly recent: Set<number>,
  ) {}

  private get pool() {
    return this.session.store.pool;
  }

  private writable(): void {
    if (this.readOnly) throw new StoreError('readonly', 'folder is read-only');
  }

  /** Locks this folder's row for a write; throws 'nonexistent' when it was deleted. */
  private async lock(c: Client): Promise<{ highestModseq: number }> {
    const r = await c.query('SELECT highest_modseq FROM mail_folders WHERE id = $1 FOR UPDATE', [this.folder.id]);
    if (!r.rows[0]) throw new StoreError('nonexistent', 'folder was deleted');
    return { highestModseq: num(r.rows[0].highest_modseq) };
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

  async *fetch(uids: UidRanges | number[], items: FetchItems, options: FetchOptions = {}): AsyncIterable<FetchResult> {
    const sections = items.sections ?? [];
    const needMime = !!(items.envelope || items.bodyStructure || sections.length);
    const markSeen = !this.readOnly && sections.some((s) => !s.peek);
    const params: unknown[] = [this.folder.id];
    let where = `m.folder_id = $1 AND ${uidCondition(uids, params, 'm.uid')}`;
    if (options.changedSince !== undefined) {
      params.push(options.changedSince);
      where += ` AND m.modseq > $${params.length}`;
    }
    let after = 0;
    for (;;) {
      const batch = await this.pool.query<MetaRow>(
        `SELECT m.uid, m.flags, m.modseq, m.internal_date, m.size, m.blob_id ${needMime ? ', b.mime' : ''}
           FROM mail_messages m ${needMime ? 'JOIN mail_blobs b ON b.id = m.blob_id' : ''}
          WHERE ${where} AND m.uid > $${params.length + 1}
          ORDER BY m.uid LIMIT ${FETCH_BATCH_ROWS}`,
        [...params, after],
      );
      if (!batch.rows.length) return;
      after = num(batch.rows[batch.rows.length - 1].uid);
      const seenSet = markSeen ? await this.markSeen(batch.rows) : new Map<number, { flags: string[]; modseq: number }>();
      // Byte ranges needed per message: one span covering all requested sections.
      const spans = new Map<string, { start: number; end: number }>();
      if (sections.length) {
        for (const row of batch.rows) {
          let start = Infinity;
          let end = 0;
          for (const s of sections) {
            const r = sectionRange(row.mime!, s);
            if (!r) continue;
            start = Math.min(start, r.start);
            end = Math.max(end, r.end);
          }
          if (end > start) spans.set(row.blob_id, { start, end });
        }
      }
      // Load the spans in groups bounded by FETCH_BATCH_BYTES.
      let i = 0;
      while (i < batch.rows.length) {
        const group: MetaRow[] = [];
        let bytes = 0;
        while (i < batch.rows.length && (group.length === 0 || bytes + this.spanLength(spans, batch.rows[i]) <= FETCH_BATCH_BYTES)) {
          bytes += this.spanLength(spans, batch.rows[i]);
          group.push(batch.rows[i++]);
        }
        const data = await this.loadSpans(group, spans);
        for (const row of group) {
          // Expunged and collected by another session between our two reads: nothing to serve.
          if (spans.has(row.blob_id) && !data.has(row.blob_id)) continue;
          const uid = num(row.uid);
          const seen = seenSet.get(uid);
          const result: FetchResult = { uid };
          if (items.flags || seen) result.flags = seen?.flags ?? row.flags;
          if (items.modseq || seen) result.modseq = seen?.modseq ?? num(row.modseq);
          if (items.internalDate) result.internalDate = row.internal_date;
          if (items.size) result.size = row.size;
          if (items.envelope) result.envelope = row.mime!.envelope;
          if (items.bodyStructure) result.bodyStructure = row.mime!.bodyStructure;
          if (sections.length) {
            const span = spans.get(row.blob_id);
            const bytesOf = data.get(row.blob_id);
            result.sections = sections.map((spec) => {
              const r = sectionRange(row.mime!, spec);
              if (!r) return { spec, data: null };
              if (!span || !bytesOf) return { spec, data: applyPartial(Buffer.alloc(0), spec.partial) };
              const piece =
                r.kind === 'range'
                  ? bytesOf.subarray(r.start - span.start, r.end - span.start)
                  : filterHeader(bytesOf, r.start - span.start, r.end - span.start, r.fields, r.not);
              return { spec, data: applyPartial(piece, spec.partial) };
            });
          }
          yield result;
        }
      }
      if (batch.rows.length < FETCH_BATCH_ROWS) return;
    }
  }

  private spanLength(spans: Map<string, { start: number; end: number }>, row: MetaRow): number {
    const s = spans.get(row.blob_id);
    return s ? s.end - s.start : 0;
  }

  private async loadSpans(rows: MetaRow[], spans: Map<string, { start: number; end: number }>): Promise<Map<string, Buffer>> {
    const ids = [...new Set(rows.map((r) => r.blob_id).filter((id) => spans.has(id)))];
    if (!ids.length) return new Map();
    const r = await this.pool.query<{ id: string; bytes: Buffer }>(
      `SELECT u.id, substring(b.raw FROM u.s FOR u.l) AS bytes
         FROM unnest($1::uuid[], $2::int[], $3::int[]) AS u(id, s, l) JOIN mail_blobs b ON b.id = u.id`,
      [ids, ids.map((id) => spans.get(id)!.start + 1), ids.map((id) => spans.get(id)!.end - spans.get(id)!.start)],
    );
    return new Map(r.rows.map((x) => [x.id, x.bytes]));
  }

  /** Sets \Seen on the rows that lack it (a non-peek BODY[] fetch); returns their new flags. */
  private async markSeen(rows: MetaRow[]): Promise<Map<number, { flags: string[]; modseq: number }>> {
    const unseen = rows.filter((r) => !r.flags.includes('\\Seen')).map((r) => num(r.uid));
    const out = new Map<number, { flags: string[]; modseq: number }>();
    if (!unseen.length) return out;
    await withTransaction(this.pool, async (c) => {
      const { highestModseq } = await this.lock(c);
      const modseq = highestModseq + 1;
      const current = await c.query<{ id: string; uid: string; flags: string[] }>(
        `SELECT id, uid, flags FROM mail_messages WHERE folder_id = $1 AND uid = ANY($2::bigint[]) AND NOT ('\\Seen' = ANY(flags))`,
        [this.folder.id, unseen],
      );
      const r = { rows: current.rows.map((x) => ({ id: x.id, uid: x.uid, flags: applyFlagOp(x.flags, 'add', ['\\Seen']) })) };
      if (r.rows.length) {
        await c.query(
          `UPDATE mail_messages m SET flags = ARRAY(SELECT jsonb_array_elements_text(u.f)), modseq = $2
             FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, f jsonb) WHERE m.id = u.id`,
          [JSON.stringify(r.rows.map((x) => ({ id: x.id, f: x.flags }))), modseq],
        );
        await c.query('UPDATE mail_folders SET highest_modseq = $2 WHERE id = $1', [this.folder.id, modseq]);
        await announce(c, { mailboxId: this.session.mailboxId, folderId: this.folder.id, modseq, kind: 'messages' });
      }
      for (const row of r.rows) out.set(num(row.uid), { flags: row.flags, modseq });
    });
    return out;
  }

  async storeFlags(uids: UidRanges | number[], input: StoreFlagsInput): Promise<StoreFlagsResult> {
    this.writable();
    const flags = normalizeFlags(input.flags);
    return withTransaction(this.pool, async (c) => {
      const { highestModseq } = await this.lock(c);
      const params: unknown[] = [this.folder.id];
      const rows = await c.query<{ id: string; uid: string; flags: string[]; modseq: string }>(
        `SELECT id, uid, flags, modseq FROM mail_messages WHERE folder_id = $1 AND ${uidCondition(uids, params)} ORDER BY uid`,
        params,
      );
      const modseq = highestModseq + 1;
      const modified: number[] = [];
      const changes: { id: string; f: string[] }[] = [];
      const updated: MessageSummary[] = [];
      for (const row of rows.rows) {
        const uid = num(row.uid);
        if (input.unchangedSince !== undefined && num(row.modseq) > input.unchangedSince) {
          modified.push(uid);
          continue;
        }
        const next = applyFlagOp(row.flags, input.op, flags);
        if (sameFlags(next, [...row.flags].sort(compareFlags))) {
          updated.push({ uid, flags: row.flags, modseq: num(row.modseq) });
        } else {
          changes.push({ id: row.id, f: next });
          updated.push({ uid, flags: next, modseq });
        }
      }
      if (changes.length) {
        await c.query(
          `UPDATE mail_messages m SET flags = ARRAY(SELECT jsonb_array_elements_text(u.f)), modseq = $2
             FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, f jsonb) WHERE m.id = u.id`,
          [JSON.stringify(changes), modseq],
        );
        await c.query('UPDATE mail_folders SET highest_modseq = $2 WHERE id = $1', [this.folder.id, modseq]);
        await announce(c, { mailboxId: this.session.mailboxId, folderId: this.folder.id, modseq, kind: 'messages' });
      }
      return { updated, modified };
    });
  }

  /** Copies rows into `dest` (locked with the source in id order); returns the mapping. */
  private async copyInto(c: Client, uids: UidRanges | number[], destination: string, checkQuota: boolean) {
    const dest = await this.session.folder(c, destination);
    await c.query('SELECT id FROM mail_folders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [[this.folder.id, dest.id]]);
    const params: unknown[] = [this.folder.id];
    const src = await c.query<{ uid: string; blob_id: string; flags: string[]; internal_date: Date; size: number }>(
      `SELECT uid, blob_id, flags, internal_date, size FROM mail_messages WHERE folder_id = $1 AND ${uidCondition(uids, params)} ORDER BY uid`,
      params,
    );
    if (!src.rows.length) return { dest, mapping: [] as [number, number][], uidValidity: num(dest.uid_validity), total: 0, modseq: 0 };
    const { firstUid, modseq, uidValidity } = await allocateUids(c, dest.id, src.rows.length);
    const total = src.rows.reduce((n, r) => n + r.size, 0);
    if (checkQuota) {
      const q = await fits(c, this.session.mailboxId, total);
      if (!q.ok) throw new StoreError('overquota', 'quota exceeded');
    }
    await c.query(
      `INSERT INTO mail_messages (folder_id, uid, blob_id, flags, internal_date, size, modseq)
       SELECT $1, $2 + s.n - 1, s.blob_id, ARRAY(SELECT jsonb_array_elements_text(s.flags)), s.internal_date, s.size, $3
         FROM jsonb_to_recordset($4::jsonb) AS s(blob_id uuid, flags jsonb, internal_date timestamptz, size int, n int)`,
      [dest.id, firstUid, modseq, JSON.stringify(src.rows.map((r, i) => ({ n: i + 1, blob_id: r.blob_id, flags: r.flags, internal_date: r.internal_date, size: r.size })))],
    );
    const mapping = src.rows.map((r, i) => [num(r.uid), firstUid + i] as [number, number]);
    await announce(c, { mailboxId: this.session.mailboxId, folderId: dest.id, modseq, kind: 'messages' });
    return { dest, mapping, uidValidity, total, modseq };
  }

  async copy(uids: UidRanges | number[], destination: string): Promise<CopyResult> {
    return withTransaction(this.pool, async (c) => {
      const r = await this.copyInto(c, uids, destination, true);
      await charge(c, this.session.mailboxId, r.total);
      return { uidValidity: r.uidValidity, mapping: r.mapping };
    });
  }

  async move(uids: UidRanges | number[], destination: string): Promise<MoveResult> {
    this.writable();
    const result = await withTransaction(this.pool, async (c) => {
      const r = await this.copyInto(c, uids, destination, false);
      const removed = await this.remove(c, r.mapping.map(([s]) => s), false);
      // Quota: the copies and the removals cancel out (both inside this transaction).
      await charge(c, this.session.mailboxId, r.total - removed.total);
      return { uidValidity: r.uidValidity, mapping: r.mapping, expunged: removed.uids, blobs: removed.blobs };
    });
    this.session.store.collect(result.blobs);
    return { uidValidity: result.uidValidity, mapping: result.mapping, expunged: result.expunged };
  }

  /** Deletes messages (all given UIDs, or only \Deleted ones) with tombstones; no quota change. */
  private async remove(c: Client, uids: UidRanges | number[] | undefined, onlyDeleted: boolean) {
    const { highestModseq } = await this.lock(c);
    const params: unknown[] = [this.folder.id];
    let where = 'folder_id = $1';
    if (onlyDeleted) where += ` AND '\\Deleted' = ANY(flags)`;
    if (uids) where += ` AND ${uidCondition(uids, params)}`;
    const del = await c.query<{ uid: string; size: number; blob_id: string }>(`DELETE FROM mail_messages WHERE ${where} RETURNING uid, size, blob_id`, params);
    if (!del.rows.length) return { uids: [] as number[], total: 0, blobs: [] as string[] };
    const modseq = highestModseq + 1;
    const removed = del.rows.map((r) => num(r.uid)).sort((a, b) => a - b);
    await c.query('UPDATE mail_folders SET highest_modseq = $2 WHERE id = $1', [this.folder.id, modseq]);
    await c.query(
      `INSERT INTO mail_expunged (folder_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::bigint[]) u
       ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq`,
      [this.folder.id, removed, modseq],
    );
    await announce(c, { mailboxId: this.session.mailboxId, folderId: this.folder.id, modseq, kind: 'messages' });
    for (const u of removed) this.recent.delete(u);
    return { uids: removed, total: del.rows.reduce((n, r) => n + r.size, 0), blobs: [...new Set(del.rows.map((r) => r.blob_id))] };
  }

  async expunge(uids?: UidRanges | number[]): Promise<number[]> {
    this.writable();
    const result = await withTransaction(this.pool, async (c) => {
      const removed = await this.remove(c, uids, true);
      await charge(c, this.session.mailboxId, -removed.total);
      return removed;
    });
    this.session.store.collect(result.blobs);
    return result.uids;
  }

  async search(key: SearchKey): Promise<SearchResult> {
    const canonical = canonicalKey(key);
    const ctx = { recent: this.recent };
    const params: unknown[] = [this.folder.id];
    const where = compileSql(canonical, params, ctx);
    const text = needsText(canonical);
    const wholeMessage = needsBody(canonical);
    const rows = await this.pool.query<{ uid: string; flags: string[]; modseq: string; internal_date: Date; size: number; sent_at: Date | null; blob_id: string }>(
      `SELECT m.uid, m.flags, m.modseq, m.internal_date, m.size, b.sent_at, m.blob_id
         FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id
        WHERE m.folder_id = $1 AND ${where} ORDER BY m.uid`,
      params,
    );
    let hits = rows.rows;
    if (text) {
      const kept: typeof hits = [];
      // Raw bytes loaded a few at a time: text search reads messages, never all at once.
      for (let i = 0; i < hits.length; i += 50) {
        const chunk = hits.slice(i, i + 50);
        const blobs = await this.pool.query<{ id: string; raw: Buffer; mime: MimeIndex }>(
          `SELECT id, mime, ${wholeMessage ? 'raw' : `substring(raw FROM 1 FOR (mime->'root'->>'b')::int) AS raw`}
             FROM mail_blobs WHERE id = ANY($1::uuid[])`,
          [[...new Set(chunk.map((r) => r.blob_id))]],
        );
        const byId = new Map(blobs.rows.map((b) => [b.id, b]));
        for (const r of chunk) {
          const row: SearchRow = { uid: num(r.uid), flags: r.flags, modseq: num(r.modseq), internalDate: r.internal_date, size: r.size, sentAt: r.sent_at };
          const b = byId.get(r.blob_id)!;
          if (matches(canonical, row, ctx, () => ({ raw: b.raw, index: b.mime }))) kept.push(r);
        }
      }
      hits = kept;
    }
    const uids = hits.map((r) => num(r.uid));
    const highestModseq = usesModseq(canonical) && hits.length ? Math.max(...hits.map((r) => num(r.modseq))) : null;
    return { uids, highestModseq };
  }

  async changes(since: ChangesSince): Promise<FolderChanges> {
    return withTransaction(this.pool, async (c) => {
      const f = await c.query(`SELECT uid_next, highest_modseq, first_recent_uid FROM mail_folders WHERE id = $1 ${this.readOnly ? 'FOR SHARE' : 'FOR UPDATE'}`, [this.folder.id]);
      if (!f.rows[0]) {
        return { expunged: [], added: [], updated: [], recent: [], highestModseq: since.modseq, uidNext: since.uidNext, gone: true };
      }
      const folder = f.rows[0];
      const exp = await c.query<{ uid: string }>(
        'SELECT uid FROM mail_expunged WHERE folder_id = $1 AND modseq > $2 ORDER BY uid',
        [this.folder.id, since.modseq],
      );
      const msgs = await c.query<{ uid: string; flags: string[]; modseq: string }>(
        'SELECT uid, flags, modseq FROM mail_messages WHERE folder_id = $1 AND modseq > $2 ORDER BY uid',
        [this.folder.id, since.modseq],
      );
      const added: MessageSummary[] = [];
      const updated: MessageSummary[] = [];
      for (const m of msgs.rows) {
        const s = { uid: num(m.uid), flags: m.flags, modseq: num(m.modseq) };
        (s.uid >= since.uidNext ? added : updated).push(s);
      }
      const recent: number[] = [];
      if (!this.readOnly && num(folder.uid_next) > num(folder.first_recent_uid)) {
        // Every message that arrived since the last claim is \Recent for this view.
        const claimed = await c.query<{ uid: string }>(
          'SELECT uid FROM mail_messages WHERE folder_id = $1 AND uid >= $2 ORDER BY uid',
          [this.folder.id, folder.first_recent_uid],
        );
        await c.query('UPDATE mail_folders SET first_recent_uid = uid_next WHERE id = $1', [this.folder.id]);
        for (const row of claimed.rows) {
          recent.push(num(row.uid));
          this.recent.add(num(row.uid));
        }
      }
      const expunged = exp.rows.map((r) => num(r.uid));
      for (const u of expunged) this.recent.delete(u);
      return { expunged, added, updated, recent, highestModseq: num(folder.highest_modseq), uidNext: num(folder.uid_next), gone: false };
    });
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
