// The Postgres implementation of the IMAP store interface (mail-daemon/imap/backend.ts).
//
// Concurrency rule: every change to a folder's messages first locks (updates) the folder row —
// UID/MODSEQ allocation, flag changes, expunges — in the statement or transaction that writes
// them. Reads take no lock and no transaction: each is one statement, so one snapshot (STATUS,
// LIST-STATUS, SELECT's read, FETCH's metadata, changes()); the \Recent claim is one statement
// on the folder row (./folders.ts claimRecent). Row lock order: folders (by id) → mailboxes → domains.
// Quota use is charged in the same transaction as each insert/delete (lib: ./quota.ts).
//
// One file per IMAP state (RFC 3501 §3): PgMailStore here (login opens a session),
// PgMailSession in ./pg-session.ts (authenticated), PgFolderView in ./pg-folder-view.ts
// (selected), its FETCH in ./fetch.ts.
import type pg from 'pg';
import { CHANNELS } from '@/lib/db/channels';
import type { NotifyBus } from '@/lib/db/notify';
import { withTransaction } from '@/lib/db/transaction';
import { StoreError, type MailboxEvent, type MailSession, type MailStore, type MailStoreLimits } from '@/mail-daemon/imap/backend';
import { collectBlobs } from './blobs';
import { num } from './db';
import { DEFAULT_FOLDERS, ensureDefaultFolders } from './folders';
import { PgMailSession } from './pg-session';

export { validFolderName } from './folders';

export const DEFAULT_APPEND_LIMIT = 50 * 1024 * 1024;

/** Bounds the mailboxes a process remembers as having their default folders (forgotten all at once past it). */
const MAX_FOLDERS_KNOWN = 100_000;

export interface PgMailStoreOptions {
  pool: pg.Pool;
  /** For cross-process notifications; without it watch() never fires (tests of single operations). */
  bus?: NotifyBus;
  /** Read on every APPEND, so a getter can follow the policy. */
  limits?: MailStoreLimits;
  /** Failures of best-effort background work (blob collection). */
  onError?: (err: Error) => void;
}

export class PgMailStore implements MailStore {
  readonly limits: MailStoreLimits;
  readonly pool: pg.Pool;
  private readonly bus?: NotifyBus;
  private listening?: Promise<void>;
  private readonly watchers = new Map<string, Set<(e: MailboxEvent) => void>>();
  readonly onError: (err: Error) => void;
  /** Mailboxes seen with all their default folders since their last folder change (see open). */
  private readonly foldersKnown = new Set<string>();

  constructor(options: PgMailStoreOptions) {
    this.pool = options.pool;
    this.bus = options.bus;
    this.limits = options.limits ?? { appendLimit: DEFAULT_APPEND_LIMIT };
    this.onError = options.onError ?? (() => {});
  }

  async open(mailboxId: string): Promise<MailSession> {
    // The default folders, made at the first login and again after one was deleted or renamed
    // away: read once per login unless this process already saw them all and has heard of no
    // folder change of the mailbox since (the change feed, and this store's own DELETE and
    // RENAME at once). Without a change feed, every login reads.
    await this.listen();
    if (!this.bus || !this.foldersKnown.has(mailboxId)) {
      const r = await this.pool.query(
        `SELECT (SELECT count(*) FROM mail_folders WHERE mailbox_id = $1 AND name = ANY($2::text[])) AS n FROM mailboxes WHERE id = $1`,
        [mailboxId, DEFAULT_FOLDERS.map((f) => f.name)],
      );
      if (!r.rows[0]) throw new StoreError('nonexistent', 'no such mailbox');
      if (num(r.rows[0].n) < DEFAULT_FOLDERS.length) await withTransaction(this.pool, (c) => ensureDefaultFolders(c, mailboxId));
      if (this.bus) {
        if (this.foldersKnown.size >= MAX_FOLDERS_KNOWN) this.foldersKnown.clear();
        this.foldersKnown.add(mailboxId);
      }
    }
    return new PgMailSession(this, mailboxId);
  }

  foldersChanged(mailboxId: string): void {
    this.foldersKnown.delete(mailboxId);
  }

  private listen(): Promise<void> {
    if (!this.bus) return Promise.resolve();
    this.listening ??= this.bus.listen(CHANNELS.mailstore, (payload) => {
      if (payload.reconnected) {
        this.foldersKnown.clear();
        // Anything may have changed while the connection was down: folders, and mail delivered
        // meanwhile, which an IDLE-ing session must still announce.
        for (const set of this.watchers.values()) {
          for (const l of set) {
            l({ folderId: null, modseq: null, kind: 'folders' });
            l({ folderId: null, modseq: null, kind: 'messages' });
          }
        }
        return;
      }
      if (payload.kind === 'folders') this.foldersChanged(String(payload.mailboxId));
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
