// Debian's PgBouncer (/usr/sbin/pgbouncer) in front of the test Postgres, for tests of what
// works through a connection pooler in each pool mode. Listens on a free loopback port,
// forwards every database name to the server `url` names, authenticates clients with
// SCRAM against a userlist holding the same user and password.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { until } from './haproxy';

export const PGBOUNCER_BIN = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

export type PoolMode = 'session' | 'transaction';

export interface RunningPgbouncer {
  port: number;
  mode: PoolMode;
  /** `url` with its host and port replaced by PgBouncer's. */
  url(databaseUrl: string): string;
  /** PgBouncer's log lines so far. */
  output: string[];
  stop(): Promise<void>;
}

function quote(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

/** The connect string of one [databases] entry: the server `u` names; dbname left to the client's. */
function serverOf(u: URL): string {
  return `host=${u.hostname} port=${u.port || '5432'}`;
}

/**
 * PgBouncer in `mode` in front of the Postgres server that `serverUrl` names. PgBouncer refuses to
 * run as root, so as root it runs as `nobody` (its files are made readable to it).
 */
export async function startPgbouncer(serverUrl: string, mode: PoolMode, options: { poolSize?: number } = {}): Promise<RunningPgbouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pgbouncer-'));
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  const ini = [
    '[databases]',
    // The fallback entry: any database name the client asks for, on this server.
    `* = ${serverOf(server)}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    // A server without a password (trust) gets clients without one.
    `auth_type = ${password ? 'scram-sha-256' : 'trust'}`,
    `auth_file = ${path.join(dir, 'userlist.txt')}`,
    `pool_mode = ${mode}`,
    'max_client_conn = 500',
    `default_pool_size = ${options.poolSize ?? 40}`,
    // Session mode's default reset: DISCARD ALL when a client leaves (it also drops its LISTENs and advisory locks).
    'server_reset_query = DISCARD ALL',
    'ignore_startup_parameters = extra_float_digits',
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n');
  const file = path.join(dir, 'pgbouncer.ini');
  fs.writeFileSync(file, ini);
  let ids: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    ids = { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) };
    for (const f of [dir, file, path.join(dir, 'userlist.txt')]) fs.chownSync(f, ids.uid, ids.gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [file], { stdio: ['ignore', 'pipe', 'pipe'], ...ids });
  const output: string[] = [];
  const collect = (d: Buffer) => output.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (gone) throw new Error(`pgbouncer exited: ${output.slice(-10).join('\n')}`);
      return output.some((l) => l.includes('process up'));
    }, 10_000, () => `pgbouncer did not start: ${output.slice(-10).join('\n')}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    mode,
    url(databaseUrl: string) {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    output,
    stop,
  };
}
