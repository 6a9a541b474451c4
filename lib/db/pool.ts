// The one way this code base opens a pg pool (the daemon's, Prisma's adapter, the tests'). Two
// things plain pg.Pool does not do:
// - A checked-out client has no 'error' listener (pg-pool removes its idle one on checkout), so
//   a connection lost in the middle of a transaction would be an unhandled 'error' event and
//   crash the process. Every client here keeps one for its whole life.
// - A client whose query failed with a connection fault (lib/db/faults.ts: lost, terminated,
//   read-only) goes back with that error and is discarded, even when its user released it
//   normally (Prisma's transactions always do). A read-only session stays read-only after the
//   database is writable again; reused, it would answer every write with 25006.
import pg from 'pg';
import { isConnectionFault } from './faults';

export interface PoolOptions {
  max?: number;
  /** Errors of idle and checked-out connections (the query that was running fails on its own). */
  onError?: (err: Error) => void;
}

/** A pg client that remembers the first connection fault any of its queries met. */
class FaultAwareClient extends pg.Client {
  fault: Error | null = null;
}

const query = pg.Client.prototype.query;
FaultAwareClient.prototype.query = function (this: FaultAwareClient, ...args: unknown[]) {
  const result = (query as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) {
    result.catch((err: unknown) => {
      if (!this.fault && isConnectionFault(err)) this.fault = err as Error;
    });
  }
  return result;
} as typeof query;

class FaultAwarePool extends pg.Pool {
  // pool.query() checks out with a callback and releases with its error itself; a client checked
  // out by promise (transactions) is released with its fault, if it met one.
  connect(): Promise<pg.PoolClient>;
  connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    return super.connect().then((client) => {
      const release = client.release;
      client.release = (err?: Error | boolean) => release(err || (client as unknown as FaultAwareClient).fault || undefined);
      return client;
    });
  }
}

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const onError = options.onError ?? (() => {});
  const pool = new FaultAwarePool({ connectionString, max: options.max ?? 10, Client: FaultAwareClient });
  // An idle client's error reaches both; it is said once, by the client's own listener.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
