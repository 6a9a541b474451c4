// The POP3 maildrop lock (RFC 1939 §8: "the POP3 server then acquires an exclusive-access lock
// on the maildrop"), across every daemon process: a Postgres session-level advisory lock per
// mailbox. All the locks of this process are held on one pooled connection, taken from the
// pool while any lock is held and given back when the last is released; a second session in
// this process is refused before Postgres is asked, since advisory locks nest on a connection.
// If that connection breaks, Postgres has let go of every lock on it: each holder is told.
import type pg from 'pg';

export interface MaildropLock {
  release(): Promise<void>;
  /** Called once when the lock was lost with its connection. */
  onLost(listener: () => void): void;
}

interface Held {
  key: string;
  lost: (() => void)[];
  released: boolean;
}

/** 64 bits of the mailbox's UUID: a key no other mailbox shares (pg_advisory_lock(bigint)). */
function lockKey(mailboxId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${mailboxId.replace(/-/g, '').slice(0, 16)}`)).toString();
}

export class MaildropLocks {
  private client: pg.PoolClient | null = null;
  private readonly held = new Map<string, Held>();
  /** Lock and unlock statements one after another, so the connection is taken and given back in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** The lock, or null when another session (in any process) holds it. */
  acquire(mailboxId: string): Promise<MaildropLock | null> {
    if (this.held.has(mailboxId)) return Promise.resolve(null);
    const entry: Held = { key: lockKey(mailboxId), lost: [], released: false };
    this.held.set(mailboxId, entry);
    return this.serial(async () => {
      // A broken connection forgot every entry, queued ones too: claim this one again.
      if (this.held.get(mailboxId) !== entry) {
        if (this.held.has(mailboxId)) return null;
        this.held.set(mailboxId, entry);
        entry.released = false;
      }
      let client: pg.PoolClient | null = null;
      try {
        client = await this.connection();
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [entry.key]);
        if (r.rows[0].ok) return this.handle(mailboxId, entry);
        this.forget(mailboxId, entry);
        return null;
      } catch (err) {
        this.held.delete(mailboxId);
        if (client) this.broken(client, err as Error);
        throw err;
      }
    });
  }

  get count(): number {
    return this.held.size;
  }

  private handle(mailboxId: string, entry: Held): MaildropLock {
    return {
      release: () => {
        if (entry.released) return Promise.resolve();
        entry.released = true;
        return this.serial(async () => {
          if (this.held.get(mailboxId) !== entry || !this.client) return;
          const client = this.client;
          try {
            await client.query('SELECT pg_advisory_unlock($1::bigint)', [entry.key]);
          } catch (err) {
            // Whatever the connection's state, it must not keep this lock: throw it away.
            this.held.delete(mailboxId);
            this.broken(client, err as Error);
            return;
          }
          this.forget(mailboxId, entry);
        });
      },
      onLost: (listener) => {
        entry.lost.push(listener);
      },
    };
  }

  private forget(mailboxId: string, entry: Held): void {
    if (this.held.get(mailboxId) === entry) this.held.delete(mailboxId);
    if (this.held.size === 0 && this.client) {
      const client = this.client;
      this.client = null;
      client.removeAllListeners('error');
      client.release();
    }
  }

  private async connection(): Promise<pg.PoolClient> {
    if (this.client) return this.client;
    const client = await this.pool.connect();
    client.on('error', (err) => this.broken(client, err));
    this.client = client;
    return client;
  }

  /** The connection failed: Postgres released its locks, so every holder has lost its lock. */
  private broken(client: pg.PoolClient, err: Error): void {
    if (this.client !== client) return;
    this.onError(err);
    this.client = null;
    client.release(err);
    const entries = [...this.held.values()];
    this.held.clear();
    for (const e of entries) {
      e.released = true;
      for (const l of e.lost) l();
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}
