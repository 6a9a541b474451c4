// The Postgres implementation of the POP3 store interface (mail-daemon/pop3/backend.ts): the
// maildrop is INBOX without \Deleted messages, listed once at login under the maildrop lock
// (./maildrop-locks.ts); the UPDATE state removes messages as IMAP EXPUNGE does (./expunge.ts),
// so open IMAP sessions see them go, with the quota given back in the same transaction.
import type pg from 'pg';
import { withTransaction } from '@/lib/db/transaction';
import { StoreError } from '@/mail-daemon/imap/backend';
import type { Maildrop, MaildropMessage, MaildropOpening, Pop3Store } from '@/mail-daemon/pop3/backend';
import { num } from './db';
import { removeMessages } from './expunge';
import { ensureDefaultFolders, INBOX } from './folders';
import { MaildropLocks, type MaildropLock } from './maildrop-locks';
import { charge } from './quota';
import type { PgMailStore } from './pg-store';

export class PgPop3Store implements Pop3Store {
  readonly locks: MaildropLocks;

  /** `mail`: the IMAP store of this process, for its pool and its collection of unreferenced blobs. */
  constructor(private readonly mail: PgMailStore) {
    this.locks = new MaildropLocks(mail.pool, mail.onError);
  }

  async open(mailboxId: string): Promise<MaildropOpening> {
    const lock = await this.locks.acquire(mailboxId);
    if (!lock) return { ok: false, reason: 'in-use' };
    try {
      const inbox = (await this.listing(mailboxId)) ?? (await this.withDefaultFolders(mailboxId));
      const messages = inbox.messages.map((m) => ({ uid: num(m.uid), size: m.size }));
      return { ok: true, maildrop: new PgMaildrop(this.mail, { mailboxId, folderId: inbox.id }, num(inbox.uid_validity), messages, lock) };
    } catch (err) {
      await lock.release().catch(() => {});
      throw err;
    }
  }

  /** INBOX and its messages without \Deleted, in UID order, in one statement; null when the mailbox has no INBOX yet. */
  private async listing(mailboxId: string): Promise<InboxListing | null> {
    const r = await this.mail.pool.query<InboxListing>(
      `SELECT f.id, f.uid_validity,
              coalesce((SELECT json_agg(json_build_object('uid', m.uid, 'size', m.size) ORDER BY m.uid)
                          FROM mail_messages m WHERE m.folder_id = f.id AND NOT ('\\Deleted' = ANY(m.flags))), '[]'::json) AS messages
         FROM mail_folders f WHERE f.mailbox_id = $1 AND f.name = $2`,
      [mailboxId, INBOX],
    );
    return r.rows[0] ?? null;
  }

  /** A mailbox that never had its default folders: they are made, then INBOX (empty) is listed. */
  private async withDefaultFolders(mailboxId: string): Promise<InboxListing> {
    await withTransaction(this.mail.pool, (c) => ensureDefaultFolders(c, mailboxId));
    const inbox = await this.listing(mailboxId);
    if (!inbox) throw new StoreError('nonexistent', 'no such mailbox');
    return inbox;
  }
}

interface InboxListing {
  id: string;
  uid_validity: string;
  messages: { uid: number | string; size: number }[];
}

class PgMaildrop implements Maildrop {
  constructor(
    private readonly mail: PgMailStore,
    private readonly folder: { mailboxId: string; folderId: string },
    readonly uidValidity: number,
    readonly messages: readonly MaildropMessage[],
    private readonly lock: MaildropLock,
  ) {}

  private get pool(): pg.Pool {
    return this.mail.pool;
  }

  async read(uid: number): Promise<Buffer | null> {
    const r = await this.pool.query<{ raw: Buffer }>(
      'SELECT b.raw FROM mail_messages m JOIN mail_blobs b ON b.id = m.blob_id WHERE m.folder_id = $1 AND m.uid = $2',
      [this.folder.folderId, uid],
    );
    return r.rows[0]?.raw ?? null;
  }

  async commit(uids: number[]): Promise<number> {
    if (!uids.length) return 0;
    const removed = await withTransaction(this.pool, async (c) => {
      const r = await removeMessages(c, this.folder, uids, false);
      await charge(c, this.folder.mailboxId, -r.total);
      return r;
    });
    this.mail.collect(removed.blobs);
    return removed.uids.length;
  }

  release(): Promise<void> {
    return this.lock.release();
  }

  onLost(listener: () => void): void {
    this.lock.onLost(listener);
  }
}

export function createPop3Store(mail: PgMailStore): PgPop3Store {
  return new PgPop3Store(mail);
}
