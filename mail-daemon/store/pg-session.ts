// Over 300 lines: one class, the MailSession of imap/backend.ts (every AUTHENTICATED-state operation), its statements beside the rules they keep.
// An authenticated IMAP session's view of one mailbox (RFC 3501 AUTHENTICATED state): the folder
// list, CREATE/DELETE/RENAME, SUBSCRIBE (names in mail_subscriptions, apart from folders), STATUS, APPEND, QUOTA (RFC 9208) and SELECT, which opens
// a PgFolderView (./pg-folder-view.ts).
import type pg from 'pg';
import { prepared } from '@/lib/db/pool';
import { withTransaction } from '@/lib/db/transaction';
import {
  HIERARCHY_DELIMITER,
  StoreError,
  type AppendInput,
  type AppendManyResult,
  type AppendResult,
  type FolderInfo,
  type FolderStatus,
  type MailboxEvent,
  type MailSession,
  type MailStoreLimits,
  type QuotaInfo,
  type SectionReference,
  type SelectResult,
  type SpecialUse,
} from '@/mail-daemon/imap/backend';
import { appendMessages, readSection } from './append';
import { announce, num, readEvenIfReadOnly, type Client } from './db';
import { claimRecent, folderRow, INBOX, lookupName, validFolderName } from './folders';
import { STORED_SYSTEM_FLAGS } from './flags';
import { PgFolderView } from './pg-folder-view';
import { charge } from './quota';
import { FOLDER_SUBSCRIBED, folderInfo, type FolderRow } from './rows';

/** What a session needs of the store that opened it. */
export interface SessionScope {
  readonly pool: pg.Pool;
  readonly limits: MailStoreLimits;
  /** Deletes blobs no message references any more, after a commit (best effort). */
  collect(blobIds: string[]): void;
  watch(mailboxId: string, listener: (e: MailboxEvent) => void): () => void;
  /** A folder of the mailbox was deleted or renamed here: the next login checks its default folders. */
  foldersChanged(mailboxId: string): void;
}

/** A folder row with its counts (int8 as strings) and, for SELECT, UIDs, first unseen and keywords. */
interface StateRow extends FolderRow {
  messages: string;
  unseen: string;
  deleted: string;
  deleted_size: string;
  size: string;
  recent: string;
  uids?: string[] | null;
  first_unseen?: string | null;
  keywords?: string[] | null;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

export class PgMailSession implements MailSession {
  private readonly unwatchers = new Set<() => void>();

  constructor(private readonly store: SessionScope, readonly mailboxId: string) {}

  private get pool() {
    return this.store.pool;
  }

  /** The folder row by name (optionally locked); throws 'nonexistent'. */
  private folder(client: Client | pg.Pool, name: string, lock = ''): Promise<FolderRow> {
    return folderRow(client, this.mailboxId, name, lock);
  }

  async listFolders(): Promise<FolderInfo[]> {
    const r = await this.pool.query<FolderRow>(
      prepared(`SELECT *, ${FOLDER_SUBSCRIBED} FROM mail_folders WHERE mailbox_id = $1 ORDER BY name <> 'INBOX', name`),
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
        `INSERT INTO mail_folders (mailbox_id, name, special_use) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *, ${FOLDER_SUBSCRIBED}`,
        [this.mailboxId, n, options.specialUse ?? null],
      );
      if (!r.rows[0]) throw new StoreError('alreadyexists', 'folder exists');
      await announce(c, { mailboxId: this.mailboxId, folderId: r.rows[0].id, modseq: null, kind: 'folders' });
      return folderInfo(r.rows[0]);
    });
  }

  async deleteFolder(name: string): Promise<void> {
    const n = lookupName(name);
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
    this.store.foldersChanged(this.mailboxId);
    this.store.collect(blobs);
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const src = lookupName(from);
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
    this.store.foldersChanged(this.mailboxId);
  }

  async listSubscriptions(): Promise<string[]> {
    const r = await this.pool.query<{ name: string }>(
      `SELECT name FROM mail_subscriptions WHERE mailbox_id = $1 ORDER BY name <> 'INBOX', name`,
      [this.mailboxId],
    );
    return r.rows.map((row) => row.name);
  }

  async subscribe(name: string): Promise<void> {
    await this.subscriptionChange(
      'INSERT INTO mail_subscriptions (mailbox_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      validFolderName(name),
    );
  }

  async unsubscribe(name: string): Promise<void> {
    await this.subscriptionChange('DELETE FROM mail_subscriptions WHERE mailbox_id = $1 AND name = $2', lookupName(name));
  }

  /** A subscription written; other sessions and processes are told (NOTIFY SubscriptionChange, RFC 5465 5.6). */
  private async subscriptionChange(sql: string, name: string): Promise<void> {
    await withTransaction(this.pool, async (c) => {
      const r = await c.query(sql, [this.mailboxId, name]);
      if (r.rowCount) await announce(c, { mailboxId: this.mailboxId, folderId: null, modseq: null, kind: 'folders' });
    });
  }

  /** states() of the folder by name; throws 'nonexistent'. */
  private async state(name: string, options: { claim?: { from: number; to: number }; select?: boolean } = {}) {
    const r = await this.states(name, options);
    if (!r[0]) throw new StoreError('nonexistent', 'no such folder');
    return r[0];
  }

  /**
   * The row and counts of the folder by name (of every folder when `name` is null) and, for SELECT,
   * its UIDs, first unseen UID and keywords in use, in one statement (one snapshot, no transaction,
   * no lock). \Recent counts the UIDs in [from, to) when a claim gave them, else those from the
   * folder's first_recent_uid on.
   */
  private async states(name: string | null, options: { claim?: { from: number; to: number }; select?: boolean } = {}) {
    const select = options.select
      ? `, array_agg(m.uid ORDER BY m.uid) FILTER (WHERE m.uid IS NOT NULL) AS uids,
           min(m.uid) FILTER (WHERE NOT ('\\Seen' = ANY(m.flags))) AS first_unseen,
           (SELECT array_agg(DISTINCT k) FROM mail_messages k_m, unnest(k_m.flags) k
             WHERE k_m.folder_id = mail_folders.id AND left(k, 1) <> '\\') AS keywords`
      : '';
    const r = await this.pool.query<StateRow>(
      prepared(`SELECT mail_folders.*, ${FOLDER_SUBSCRIBED}, s.* FROM mail_folders CROSS JOIN LATERAL (
         SELECT count(*) AS messages,
                count(m.uid) FILTER (WHERE NOT ('\\Seen' = ANY(m.flags))) AS unseen,
                count(m.uid) FILTER (WHERE '\\Deleted' = ANY(m.flags)) AS deleted,
                coalesce(sum(m.size) FILTER (WHERE '\\Deleted' = ANY(m.flags)), 0) AS deleted_size,
                coalesce(sum(m.size), 0) AS size,
                count(m.uid) FILTER (WHERE m.uid >= coalesce($3::bigint, mail_folders.first_recent_uid) AND ($4::bigint IS NULL OR m.uid < $4::bigint)) AS recent
                ${select}
           FROM mail_messages m WHERE m.folder_id = mail_folders.id) s
        WHERE mail_folders.mailbox_id = $1 AND ($2::text IS NULL OR mail_folders.name = $2::text)`),
      [this.mailboxId, name === null ? null : lookupName(name), options.claim?.from ?? null, options.claim?.to ?? null],
    );
    return r.rows.map((row) => this.stateOf(row));
  }

  private stateOf(row: StateRow) {
    const status: FolderStatus = {
      name: row.name,
      uidValidity: num(row.uid_validity),
      uidNext: num(row.uid_next),
      highestModseq: num(row.highest_modseq),
      messages: num(row.messages),
      recent: num(row.recent),
      unseen: num(row.unseen),
      deleted: num(row.deleted),
      deletedSize: num(row.deleted_size),
      size: num(row.size),
    };
    const uids = (row.uids ?? []).map(num);
    return { row, status, uids, firstUnseen: row.first_unseen == null ? null : num(row.first_unseen), keywords: (row.keywords ?? []).sort() };
  }

  async status(name: string): Promise<FolderStatus> {
    return (await this.state(name)).status;
  }

  async statusAll(): Promise<Map<string, FolderStatus>> {
    return new Map((await this.states(null)).map((s) => [s.status.name, s.status]));
  }

  async select(name: string, options: { readOnly?: boolean } = {}): Promise<SelectResult> {
    const readOnly = options.readOnly ?? false;
    // A read-write SELECT claims the \Recent messages (RFC 3501: one session sees them); EXAMINE
    // reports them without claiming, and so does SELECT on a read-only database. The folder is read
    // first: when nothing arrived since the last claim (the usual case) that one read is the answer,
    // with nothing to claim; else the claim, and a read that sees every message it claimed.
    let s = await this.state(name, { select: true });
    let claim: { from: number; to: number } | undefined;
    if (!readOnly && num(s.row.uid_next) <= num(s.row.first_recent_uid)) claim = { from: 0, to: 0 };
    else if (!readOnly) {
      claim = await readEvenIfReadOnly(async (writable) => (writable ? ((await claimRecent(this.pool, { mailboxId: this.mailboxId, name: lookupName(name) })) ?? { from: 0, to: 0 }) : undefined));
      if (claim) s = await this.state(name, { claim, select: true });
    }
    const recentFrom = claim ? claim.from : num(s.row.first_recent_uid);
    const recentTo = claim ? claim.to : Infinity;
    const scope = { pool: this.pool, mailboxId: this.mailboxId, collect: (blobIds: string[]) => this.store.collect(blobIds) };
    const recent = new Set(s.uids.filter((u) => u >= recentFrom && u < recentTo));
    const view = new PgFolderView(scope, folderInfo(s.row), readOnly, num(s.row.uid_validity), recent);
    return { view, status: s.status, uids: s.uids, firstUnseenUid: s.firstUnseen, flags: [...STORED_SYSTEM_FLAGS, ...s.keywords] };
  }

  async append(folder: string, input: AppendInput): Promise<AppendResult> {
    const res = await this.appendMany(folder, [input]);
    return { uidValidity: res.uidValidity, uid: res.uids[0] };
  }

  appendMany(folder: string, inputs: AppendInput[]): Promise<AppendManyResult> {
    return appendMessages(this.pool, this.mailboxId, this.store.limits.appendLimit, folder, inputs);
  }

  readSection(ref: SectionReference): Promise<Buffer | null> {
    return readSection(this.pool, this.mailboxId, ref);
  }

  async quota(): Promise<QuotaInfo> {
    const r = await this.pool.query(
      prepared(`SELECT used_bytes, quota_bytes,
              (SELECT count(*) FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1) AS messages
         FROM mailboxes WHERE id = $1`),
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
