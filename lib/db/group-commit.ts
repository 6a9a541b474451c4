// Group commit, as databases do for their own log: statements that must each be committed before
// their caller goes on run together, several in one transaction, when they arrive while an earlier
// group is committing. Nobody waits for a timer: a statement that finds the committer idle runs at
// once, alone, as its own transaction (one round trip); those that arrive meanwhile share the next
// COMMIT and its WAL flush. For the mail store this is one lock on a busy INBOX row and one fsync
// for many messages, where each message alone held the row through its own commit.
//
// A group goes to Postgres in one write, in pg's pipeline mode: BEGIN, its statements and COMMIT,
// answered in order, one round trip for the whole group where sending each after the last one's
// answer took one per statement (the INBOX row locked all the while).
//
// Nobody is told "committed" unless the COMMIT said so: a statement that fails inside a group
// aborts the transaction (those behind it fail with 25P02, and Postgres answers the COMMIT with
// ROLLBACK), and each statement is then run again alone, so only its own caller sees its error. A
// COMMIT that fails or goes unanswered (the connection lost, say) fails the whole group: its
// outcome is unknown, and running the statements again could store them twice.
//
// A statement marked asynchronous may hear "committed" before its WAL reaches the disk (Postgres's
// asynchronous commit: a crash can forget the last fraction of a second of them, never leave half
// of one): what a mail server need not fsync, such as flag changes. A group is asynchronous only
// when all of its statements are; a durable one among them makes the COMMIT wait for the flush.
import pg from 'pg';

interface Waiting {
  statement: pg.QueryConfig;
  /** Groups run their statements in this order, so two processes' groups lock rows alike. */
  key: string;
  asynchronous: boolean;
  resolve(result: pg.QueryResult): void;
  reject(err: unknown): void;
}

export interface CommitOptions {
  /** Told "committed" before the WAL flush (synchronous_commit off for its transaction). */
  asynchronous?: boolean;
}

export interface GroupCommitOptions {
  /** At most this many statements share a transaction. */
  maxGroup?: number;
  /**
   * A statement of a group that waits longer than this for a row lock makes the group fall back to
   * one statement at a time (which wait as long as they must): a group never stalls behind one
   * busy row, and two processes' groups that lock rows in opposite orders part quickly.
   */
  lockTimeoutMs?: number;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private running = false;
  private readonly maxGroup: number;
  private readonly lockTimeoutMs: number;

  constructor(
    private readonly pool: pg.Pool,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 64;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 200;
  }

  /** Runs `statement` and resolves once it is committed; rejects with nothing written. */
  run<R extends pg.QueryResultRow = pg.QueryResultRow>(statement: pg.QueryConfig, key = '', options: CommitOptions = {}): Promise<pg.QueryResult<R>> {
    return new Promise<pg.QueryResult<R>>((resolve, reject) => {
      this.waiting.push({ statement, key, asynchronous: options.asynchronous === true, resolve: resolve as Waiting['resolve'], reject });
      if (!this.running) void this.drain();
    });
  }

  /** run() in the shape of pg's query(text, values), for code written against a pool or a client. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async query<T = any>(text: string, values?: unknown[]): Promise<{ rows: T[]; rowCount: number | null }> {
    const r = await this.run({ text, values });
    return { rows: r.rows as T[], rowCount: r.rowCount };
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, this.maxGroup);
        try {
          // An asynchronous statement alone still needs a transaction to set synchronous_commit in.
          if (group.length === 1 && !group[0].asynchronous) await this.alone(group[0]);
          else await this.together(group.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
        } catch (err) {
          // alone() and together() settle their statements themselves; should anything else throw,
          // the group's callers hear of it rather than wait forever (and no rejection goes unhandled).
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** One statement, its own transaction. */
  private async alone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.pool.query(w.statement));
    } catch (err) {
      w.reject(err);
    }
  }

  private async together(group: Waiting[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    const asynchronous = group.every((w) => w.asynchronous) ? '; SET LOCAL synchronous_commit = off' : '';
    const [, ...answers] = await pipelined(client, [
      // The simple query protocol takes them in one message.
      `BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.lockTimeoutMs))}${asynchronous}`,
      ...group.map((w) => w.statement),
      'COMMIT',
    ]);
    const commit = answers.pop()!;
    if (commit.status === 'rejected') {
      client.release(commit.reason instanceof Error ? commit.reason : new Error(String(commit.reason)));
      for (const w of group) w.reject(commit.reason);
      return;
    }
    client.release();
    if (commit.value.command === 'COMMIT') {
      // Committed: each statement's own answer stands (inside the transaction a failed one would have made it a ROLLBACK).
      answers.forEach((a, i) => (a.status === 'fulfilled' ? group[i].resolve(a.value) : group[i].reject(a.reason)));
      return;
    }
    // Rolled back, nothing of the group written: each again on its own (durably: it is rare).
    for (const w of group) await this.alone(w);
  }
}

/**
 * Sends `queries` on `client` in pg's pipeline mode (written at once, answered in order) and waits
 * for every answer: only then may the client leave pipeline mode and go back to the pool, which
 * sends one query at a time.
 */
async function pipelined(client: pg.PoolClient, queries: (string | pg.QueryConfig)[]): Promise<PromiseSettledResult<pg.QueryResult>[]> {
  const c = client as pg.PoolClient & { pipeline: boolean; connection?: { stream?: { cork?(): void; uncork?(): void } } };
  c.pipeline = true;
  try {
    c.connection?.stream?.cork?.(); // one write for the whole group
    let sent: Promise<pg.QueryResult>[];
    try {
      sent = queries.map((q) => c.query(q));
    } finally {
      c.connection?.stream?.uncork?.();
    }
    return await Promise.allSettled(sent);
  } finally {
    c.pipeline = false;
  }
}

const groups = new WeakMap<pg.Pool, GroupCommit>();

/** The pool's one group committer: statements share a COMMIT only with those sent through the same pool. */
export function groupCommitFor(pool: pg.Pool): GroupCommit {
  let group = groups.get(pool);
  if (!group) groups.set(pool, (group = new GroupCommit(pool)));
  return group;
}

/**
 * A statement that must be committed before its caller goes on: on a pool, through the pool's
 * group committer (its own transaction, or one it shares); on a client, as one statement of the
 * transaction the caller holds open there (which commits as that transaction does).
 */
export function committed<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: pg.Pool | pg.PoolClient,
  statement: pg.QueryConfig,
  key = '',
  options: CommitOptions = {},
): Promise<pg.QueryResult<R>> {
  return db instanceof pg.Pool ? groupCommitFor(db).run<R>(statement, key, options) : db.query<R>(statement);
}
