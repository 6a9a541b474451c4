// A Postgres cluster of the chaos suite's own (the run's shared one cannot be made read-only,
// restarted or killed under the other test files), with the faults a production database has:
// every backend terminated, a read-only episode, a restart and a crash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@/lib/db/migrate';
import { createDatabase, ensureCluster, freePort, startPostmaster, urlFor, type Postmaster } from '@/lib/postgres/embedded';

const PASSWORD = 'chaos';

export interface ChaosCluster {
  /** The migrated database the daemon uses. */
  url: string;
  /** The directory of the cluster's files (and room for a daemon's data directory). */
  dir: string;
  /** A statement on the maintenance database, on a connection of its own that ignores read-only. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** pg_terminate_backend on every other backend of the cluster; how many there were. */
  terminateAll(): Promise<number>;
  /**
   * A read-only episode, as a failover to a standby looks to the daemon (SQLSTATE 25006):
   * ALTER SYSTEM + pg_reload_conf reaches the sessions already open (each at its first statement
   * after the reload signal reached it: pg_reload_conf returns before that),
   * and ALTER DATABASE makes every session opened during the episode start read-only and stay
   * so after it, as its own setting outranks the configuration file: only discarding those
   * connections ends their 25006s.
   */
  readOnly(on: boolean): Promise<void>;
  /** The postmaster stopped (fast shutdown, or kill -9 with its backends) and nothing listening. */
  down(how: 'stop' | 'kill'): Promise<void>;
  /** The postmaster started again on the same port, once it accepts connections. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function openChaosCluster(): Promise<ChaosCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-chaos-'));
  fs.chmodSync(dir, 0o755); // the postgres user (when we are root) must reach the cluster in it
  const data = path.join(dir, 'pg');
  await ensureCluster(data, PASSWORD);
  const port = await freePort();
  let postmaster: Postmaster | null = await startPostmaster(data, port);
  await postmaster.ready;
  const maintenance = urlFor(port, PASSWORD, 'postgres');
  await createDatabase(maintenance);
  const url = urlFor(port, PASSWORD);
  await migrate(url);

  const admin = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: maintenance });
    c.on('error', () => {});
    await c.connect();
    try {
      // A session's own SET outranks ALTER SYSTEM and ALTER DATABASE: the admin can always undo.
      await c.query('SET default_transaction_read_only = off');
      return await c.query<R>(sql, params);
    } finally {
      await c.end().catch(() => {});
    }
  };

  return {
    url,
    dir,
    admin,
    async terminateAll() {
      const r = await admin<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      return Number(r.rows[0].n);
    },
    async readOnly(on) {
      if (on) {
        await admin('ALTER DATABASE postern SET default_transaction_read_only = on');
        await admin('ALTER SYSTEM SET default_transaction_read_only = on');
      } else {
        await admin('ALTER DATABASE postern RESET default_transaction_read_only');
        await admin('ALTER SYSTEM RESET default_transaction_read_only');
      }
      await admin('SELECT pg_reload_conf()');
    },
    async down(how) {
      if (!postmaster) return;
      const pm = postmaster;
      postmaster = null;
      if (how === 'kill') {
        process.kill(pm.pid, 'SIGKILL'); // its backends go with it (startPostmaster kills the group)
        await pm.exited;
      } else {
        await pm.stop();
      }
    },
    async up() {
      if (postmaster) return;
      postmaster = await startPostmaster(data, port);
      await postmaster.ready;
    },
    async close() {
      await postmaster?.stop();
      postmaster = null;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
