// The one way this code base opens a pg pool (the daemon's, Prisma's adapter, the tests'). Three
// things plain pg.Pool does not do:
// - A checked-out client has no 'error' listener (pg-pool removes its idle one on checkout), so
//   a connection lost in the middle of a transaction would be an unhandled 'error' event and
//   crash the process. Every client here has one from its construction on: a backend
//   terminated just as it became ready sends its FATAL in the same read as the ReadyForQuery
//   that completes the connect, before any listener of the pool's is attached.
// - A client whose query failed with a connection fault (lib/db/faults.ts: lost, terminated,
//   read-only) goes back with that error and is discarded, even when its user released it
//   normally (Prisma's transactions always do). A read-only session stays read-only after the
//   database is writable again; reused, it would answer every write with 25006.
// - A fault that says something about the server rather than the one session (it went
//   read-only, it terminated backends, it went away: isServerFault) makes every connection
//   opened before it suspect: each is discarded when next checked out or released, instead of
//   failing one more request apiece once the database is back.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { isConnectionFault, isServerFault } from './faults';

export interface PoolOptions {
  max?: number;
  /**
   * Plan statements once per server connection for all values (plan_cache_mode =
   * force_generic_plan), for a pool whose statements are lookups by key, whose best plan does not
   * depend on the values: the named ones (prepared()) are then never planned again. Postgres would
   * otherwise plan some of them afresh at every call, judging a custom plan cheaper.
   */
  genericPlans?: boolean;
  /** Errors of idle and checked-out connections (the query that was running fails on its own). */
  onError?: (err: Error) => void;
}

/** What createPool tells each of its connections, through pg-pool's client config. */
interface SessionConfig extends pg.ClientConfig {
  /** Send no statement named (DATABASE_URL's pgbouncer=true: a pooler in transaction mode). */
  unnamed?: boolean;
}

/** A pg client that remembers the first connection fault any of its queries met. */
class FaultAwareClient extends pg.Client {
  fault: Error | null = null;
  readonly unnamed: boolean;
  /** The pool's generation when this connection was opened (FaultAwarePool.generation). */
  generation = 0;
  onFault: (err: Error) => void = () => {};
  /** The pool's onError, once the pool has the connection. */
  onError: (err: Error) => void = () => {};

  constructor(config: SessionConfig = {}) {
    super(config);
    this.unnamed = config.unnamed ?? false;
    this.on('error', (err: Error) => {
      this.fault ??= err;
      this.onError(err);
    });
  }
}

const query = pg.Client.prototype.query;
FaultAwareClient.prototype.query = function (this: FaultAwareClient, ...args: unknown[]) {
  const result = (query as (...a: unknown[]) => unknown).apply(this, this.unnamed ? args : withName(args));
  if (result instanceof Promise) {
    result.catch((err: unknown) => {
      if (!this.fault && (isConnectionFault(err) || isStalePlan(err))) {
        this.fault = err as Error;
        this.onFault(err as Error);
      }
    });
  }
  return result;
} as typeof query;

/**
 * A named statement whose result columns changed under it (`SELECT *` after another process's
 * migration added a column): Postgres refuses it on this connection from then on. The connection is
 * discarded like a faulty one, and the next prepares the statement afresh.
 */
function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

type Done = (release?: unknown) => void;
type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void;

// Thrown away as the release "error" of a connection opened before a server fault.
const SUSPECT = new Error('connection opened before a database fault');

class FaultAwarePool extends pg.Pool {
  /** Bumped by every server fault; connections of an older generation are not handed out again. */
  generation = 0;

  suspect(client: FaultAwareClient): boolean {
    return client.generation < this.generation;
  }

  noteFault(err: unknown): void {
    if (isServerFault(err)) this.generation++;
  }

  /** The client's release, made to discard it when it met a fault or is suspect. */
  private guard(client: pg.PoolClient): pg.PoolClient {
    const c = client as unknown as FaultAwareClient & pg.PoolClient;
    const release = c.release;
    c.release = (err?: Error | boolean) => {
      if (err instanceof Error && isConnectionFault(err) && !c.fault) {
        c.fault = err;
        this.noteFault(err);
      }
      return release(err || c.fault || (this.suspect(c) ? SUSPECT : undefined));
    };
    return client;
  }

  // pool.query() (and Prisma's plain queries through it) checks out with a callback and
  // releases with its error itself; a client checked out by promise (transactions) is released
  // with its fault, if it met one. Either way a suspect idle client is discarded at checkout.
  connect(): Promise<pg.PoolClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback) {
      super.connect((err, client, done) => {
        if (err || !client) {
          this.noteFault(err);
          return callback(err, client, done);
        }
        if (this.suspect(client as unknown as FaultAwareClient)) {
          done(SUSPECT);
          return this.connect(callback);
        }
        callback(undefined, this.guard(client), (release) => client.release(release as Error | undefined));
      });
      return;
    }
    return super.connect().then(
      (client) => {
        if (!this.suspect(client as unknown as FaultAwareClient)) return this.guard(client);
        client.release(SUSPECT);
        return this.connect();
      },
      (err: unknown) => {
        this.noteFault(err);
        throw err;
      },
    );
  }
}

/** Statement texts sent named, with their names (bounded: a text beyond it simply goes unnamed). */
const names = new Map<string, string>();
const MAX_NAMED = 1000;

/**
 * Marks a statement text to be sent named, the name made from the text: node-postgres then parses
 * and plans it once per server connection (Parse) and afterwards only binds and executes it, where
 * an unnamed statement is parsed, analysed and planned at every call (for the mail path's large
 * statements, much of their cost in Postgres). Still one round trip either way. For statements run
 * very often whose text has few shapes: each distinct text is kept on every server connection.
 * Returns the text, to be run as usual (`query(text, values)` or `query({ text, values })`).
 */
export function prepared(text: string): string {
  if (!names.has(text) && names.size < MAX_NAMED) names.set(text, `postern_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`);
  return text;
}

/** The query's arguments with the statement's name added when its text was marked by prepared(). */
function withName(args: unknown[]): unknown[] {
  const [first, second] = args;
  if (typeof first === 'string') {
    const name = names.get(first);
    return name && Array.isArray(second) ? [{ text: first, values: second, name }, ...args.slice(2)] : args;
  }
  const config = first as pg.QueryConfig | undefined;
  if (!config || typeof config !== 'object' || config.name || typeof config.text !== 'string') return args;
  const name = names.get(config.text);
  return name ? [{ ...config, name }, ...args.slice(1)] : args;
}

/**
 * `pgbouncer=true` in DATABASE_URL's query (the flag Prisma's own engine knows): the server
 * connection may change between transactions, as behind PgBouncer before 1.21 in transaction
 * mode, which cannot carry a named statement from one to the next. Every statement goes unnamed.
 */
function behindTransactionPooler(connectionString: string): boolean {
  try {
    return new URL(connectionString).searchParams.get('pgbouncer') === 'true';
  } catch {
    return false;
  }
}

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const onError = options.onError ?? (() => {});
  const unnamed = behindTransactionPooler(connectionString);
  const setup = options.genericPlans && !unnamed ? 'SET plan_cache_mode = force_generic_plan' : undefined;
  // pg-pool runs onConnect on a new connection before anyone's first statement (a failure discards it).
  const onConnect = setup ? (client: pg.ClientBase) => client.query(setup) : undefined;
  const pool = new FaultAwarePool({ connectionString, max: options.max ?? 10, Client: FaultAwareClient, unnamed, onConnect } as pg.PoolConfig);
  // An idle client's error reaches both; it is said once, by the client's own listener.
  pool.on('error', () => {});
  pool.on('connect', (pgClient) => {
    const client = pgClient as unknown as FaultAwareClient;
    client.generation = pool.generation;
    client.onFault = (err) => pool.noteFault(err);
    client.onError = onError;
  });
  return pool;
}
