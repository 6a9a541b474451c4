// Group commit, as databases do for their own log: statements that must each be committed before
// their caller goes on run together, several in one transaction, when they arrive while an earlier
// group is committing. Nobody waits for a timer: a statement that finds the committer idle runs at
// once, alone, as its own transaction (one round trip); those that arrive meanwhile share the next
// COMMIT and its WAL flush. For the mail store this is one lock on a busy INBOX row and one fsync
// for many messages, where each message alone held the row through its own commit.
//
// Nobody is told "committed" unless the COMMIT said so: a statement that fails inside a group makes
// the group roll back, and each statement is then run again alone, so only its own caller sees its
// error. A failed COMMIT (the connection lost, say) fails the whole group: its outcome is unknown,
// and running the statements again could store them twice.
import type pg from 'pg';

interface Waiting {
  statement: pg.QueryConfig;
  /** Groups run their statements in this order, so two processes' groups lock rows alike. */
  key: string;
  resolve(result: pg.QueryResult): void;
  reject(err: unknown): void;
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
  run<R extends pg.QueryResultRow = pg.QueryResultRow>(statement: pg.QueryConfig, key = ''): Promise<pg.QueryResult<R>> {
    return new Promise<pg.QueryResult<R>>((resolve, reject) => {
      this.waiting.push({ statement, key, resolve: resolve as Waiting['resolve'], reject });
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
          if (group.length === 1) await this.alone(group[0]);
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
    const results: pg.QueryResult[] = [];
    try {
      // One round trip: the simple query protocol takes both.
      await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.lockTimeoutMs))}`);
      for (const w of group) results.push(await client.query(w.statement));
    } catch {
      // Nothing of the group is written. Each again on its own, once this connection is clean.
      const rolledBack = await client.query('ROLLBACK').then(() => true, () => false);
      client.release(rolledBack ? undefined : new Error('ROLLBACK failed'));
      for (const w of group) await this.alone(w);
      return;
    }
    try {
      await client.query('COMMIT');
    } catch (err) {
      client.release(err instanceof Error ? err : new Error(String(err)));
      for (const w of group) w.reject(err);
      return;
    }
    client.release();
    group.forEach((w, i) => w.resolve(results[i]));
  }
}

const groups = new WeakMap<pg.Pool, GroupCommit>();

/** The pool's one group committer: statements share a COMMIT only with those sent through the same pool. */
export function groupCommitFor(pool: pg.Pool): GroupCommit {
  let group = groups.get(pool);
  if (!group) groups.set(pool, (group = new GroupCommit(pool)));
  return group;
}
