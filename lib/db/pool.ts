// The one way this code base opens a pg pool (the daemon's, Prisma's adapter, the tests'). Three
// things plain pg.Pool does not do:
// - A checked-out client has no 'error' listener (pg-pool removes its idle one on checkout), so
//   a connection lost in the middle of a transaction would be an unhandled 'error' event and
//   crash the process. Every client here keeps one for its whole life.
// - A client whose query failed with a connection fault (lib/db/faults.ts: lost, terminated,
//   read-only) goes back with that error and is discarded, even when its user released it
//   normally (Prisma's transactions always do). A read-only session stays read-only after the
//   database is writable again; reused, it would answer every write with 25006.
// - A fault that says something about the server rather than the one session (it went
//   read-only, it terminated backends, it went away: isServerFault) makes every connection
//   opened before it suspect: each is discarded when next checked out or released, instead of
//   failing one more request apiece once the database is back.
import pg from 'pg';
import { isConnectionFault, isServerFault } from './faults';

export interface PoolOptions {
  max?: number;
  /** Errors of idle and checked-out connections (the query that was running fails on its own). */
  onError?: (err: Error) => void;
}

/** A pg client that remembers the first connection fault any of its queries met. */
class FaultAwareClient extends pg.Client {
  fault: Error | null = null;
  /** The pool's generation when this connection was opened (FaultAwarePool.generation). */
  generation = 0;
  onFault: (err: Error) => void = () => {};
}

const query = pg.Client.prototype.query;
FaultAwareClient.prototype.query = function (this: FaultAwareClient, ...args: unknown[]) {
  const result = (query as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) {
    result.catch((err: unknown) => {
      if (!this.fault && isConnectionFault(err)) {
        this.fault = err as Error;
        this.onFault(err as Error);
      }
    });
  }
  return result;
} as typeof query;

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

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const onError = options.onError ?? (() => {});
  const pool = new FaultAwarePool({ connectionString, max: options.max ?? 10, Client: FaultAwareClient });
  // An idle client's error reaches both; it is said once, by the client's own listener.
  pool.on('error', () => {});
  pool.on('connect', (pgClient) => {
    const client = pgClient as unknown as FaultAwareClient;
    client.generation = pool.generation;
    client.onFault = (err) => pool.noteFault(err);
    client.on('error', onError);
  });
  return pool;
}
