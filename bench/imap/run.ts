// bench/imap: IMAP operations per second with N clients over TLS (IMAPS), for the
// Postern daemon (spawned as a real process) and for Debian's Dovecot started here on
// loopback with its own config directory, high port and users; printed with the ratio.
// Then the memory one idle IDLE connection costs on each server.
//
//   npx tsx bench/imap/run.ts [--clients 8] [--messages 200] [--rounds 20] [--idle 400]
//                             [--only postern|dovecot] [--cpu-prof DIR]
//
// --cpu-prof DIR: the daemon runs under node --cpu-prof and writes its V8 CPU profile of the
// whole run into DIR when it stops (open it in Chrome's DevTools or speedscope).
//
// Both servers get the same mailboxes, filled the same way (IMAP APPEND of the same
// messages) and the same workload: login, select, fetch headers, fetch bodies,
// store flags, search. Passwords: argon2id with Postern's parameters on both servers
// (bench/imap/dovecot.ts), so LOGIN costs the same hash on both sides.
// Uses DATABASE_URL when set, else a throwaway embedded Postgres. Needs dovecot-imapd
// (root, to start its master); without it only Postern is measured.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { arg, benchDatabase } from '../database';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { spawnDaemon, TEST_MASTER_KEY } from '@/mail-daemon/testing/daemon';
import { connect, descendants, ok, PASSWORD, pssKb, seed } from './clients';
import { startDovecot } from './dovecot';

const CLIENTS = arg('clients', 8);
const MESSAGES = arg('messages', 200);
const ROUNDS = arg('rounds', 20);
const IDLE = arg('idle', 400);
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ONLY = option('only');
const CPU_PROF = option('cpu-prof');
const users = Array.from({ length: CLIENTS }, (_, i) => `bench${i}@bench.test`);

/** Round r's window of `size` messages, wrapping inside the mailbox. */
function windowOf(r: number, size: number): string {
  const start = ((r * size) % MESSAGES) + 1;
  return `${start}:${Math.min(MESSAGES, start + size - 1)}`;
}

type Phase = { name: string; perRound: number; run: (c: WireClient, round: number, user: string, port: number) => Promise<void> };

const PHASES: Phase[] = [
  {
    name: 'login (TLS connect + LOGIN + LOGOUT)',
    perRound: 1,
    async run(_c, _r, user, port) {
      const c = await connect(port, user);
      await ok(c, 'Z LOGOUT');
      c.close();
    },
  },
  { name: 'select', perRound: 1, run: async (c) => void (await ok(c, 'S SELECT INBOX')) },
  { name: 'fetch headers (50 msgs/op)', perRound: 1, run: async (c, r) => void (await ok(c, `F FETCH ${windowOf(r, 50)} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])`)) },
  { name: 'fetch bodies (10 msgs/op)', perRound: 1, run: async (c, r) => void (await ok(c, `B FETCH ${windowOf(r, 10)} (UID BODY.PEEK[])`)) },
  { name: 'store flags', perRound: 1, run: async (c, r) => void (await ok(c, `T STORE ${(r % MESSAGES) + 1} ${r % 2 ? '-' : '+'}FLAGS (\\Flagged)`)) },
  { name: 'search (header + flag)', perRound: 1, run: async (c, r) => void (await ok(c, `Q SEARCH UNFLAGGED SUBJECT "message ${r % MESSAGES}"`)) },
  { name: 'search (body text)', perRound: 1, run: async (c, r) => void (await ok(c, `Q SEARCH BODY "${['alpha', 'golf', 'hotel'][r % 3]} the quick"`)) },
];

async function workload(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const sessions = await Promise.all(users.map((u) => connect(port, u)));
  await Promise.all(sessions.map((c) => ok(c, 'S SELECT INBOX')));
  for (const phase of PHASES) {
    // Warm-up round (JIT, caches), then the measured rounds.
    await Promise.all(sessions.map((c, i) => phase.run(c, 0, users[i], port)));
    const rounds = phase.name.startsWith('login') ? Math.max(3, Math.floor(ROUNDS / 4)) : ROUNDS;
    const started = process.hrtime.bigint();
    await Promise.all(
      sessions.map(async (c, i) => {
        for (let r = 1; r <= rounds; r++) await phase.run(c, r, users[i], port);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The measured window on the monotonic clock the daemon's CPU profile is timed by (µs).
    if (CPU_PROF) console.log(`window ${phase.name}: ${started / 1000n}-${process.hrtime.bigint() / 1000n}`);
    out.set(phase.name, (rounds * phase.perRound * sessions.length) / seconds);
  }
  for (const c of sessions) c.close();
  return out;
}

/** Opens `count` connections that SELECT INBOX and IDLE; returns them (caller closes). */
async function idlers(port: number, count: number): Promise<WireClient[]> {
  const out: WireClient[] = [];
  for (let i = 0; i < count; i++) {
    // Spread over 127.0.0.x source addresses: the per-IP limit is not what is measured.
    const c = await connect(port, users[i % users.length], `127.0.0.${2 + Math.floor(i / 100)}`);
    await ok(c, 'S SELECT INBOX');
    c.write('I IDLE\r\n');
    const l = await c.line(10_000);
    if (!l.startsWith('+')) throw new Error(`IDLE refused: ${l}`);
    out.push(c);
  }
  return out;
}

/** Median RSS of a few samples a little apart (GC makes single samples noisy). */
async function settledRss(pidsOf: () => number[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    await new Promise((r) => setTimeout(r, 400));
    samples.push(pssKb(pidsOf()));
  }
  return samples.sort((a, b) => a - b)[3];
}

async function idleMemory(port: number, pidsOf: () => number[]): Promise<number> {
  // Settle, measure, open IDLE connections, measure again.
  const before = await settledRss(pidsOf);
  const conns = await idlers(port, IDLE);
  const after = await settledRss(pidsOf);
  for (const c of conns) c.close();
  return ((after - before) * 1024) / IDLE;
}

/**
 * Postern's IMAP server alone in a process with --expose-gc (bench/imap/idle-server.ts):
 * memory after a full GC, before and after IDLE connections, per connection.
 */
async function posternIdleMemory(url: string): Promise<number> {
  const port = await freePort();
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(root, 'bench/imap/idle-server.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), MASTER_KEY: TEST_MASTER_KEY },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) {
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const next = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : waiters.push(resolve)));
  try {
    if ((await next()) !== 'ready') throw new Error('idle server did not start');
    const sample = async () => {
      child.stdin!.write('gc\n');
      return JSON.parse(await next()) as { rss: number; heapUsed: number; external: number; connections: number };
    };
    // One full round first (TLS, argon2 and allocator arenas warm), closed again, so the
    // difference below is what idle connections hold, not what logging in once costs.
    const cold = await sample();
    const first = await idlers(port, IDLE);
    const firstRound = await sample();
    for (const c of first) c.close();
    let before = await sample();
    for (let i = 0; i < 50 && before.connections; i++) {
      await new Promise((r) => setTimeout(r, 100));
      before = await sample();
    }
    const conns = await idlers(port, IDLE);
    const after = await sample();
    for (const c of conns) c.close();
    console.log(`postern idle, first round (includes argon2/TLS/allocator warm-up): rss ${((firstRound.rss - cold.rss) / IDLE / 1024).toFixed(1)} KiB per connection`);
    console.log(
      `postern idle, steady state: rss ${((after.rss - before.rss) / IDLE / 1024).toFixed(1)} KiB, heap ${((after.heapUsed - before.heapUsed) / IDLE / 1024).toFixed(1)} KiB, external ${((after.external - before.external) / IDLE / 1024).toFixed(1)} KiB per connection`,
    );
    // The steady-state RSS delta is noise-level (memory freed by the first round is reused):
    // report the larger of it and the live heap + external per connection.
    return Math.max(after.rss - before.rss, after.heapUsed - before.heapUsed + (after.external - before.external)) / IDLE;
  } finally {
    child.kill('SIGTERM');
  }
}

interface Result {
  ops: Map<string, number>;
  idleBytes: number;
}

async function benchPostern(): Promise<Result> {
  const { url, tmp, drop } = await benchDatabase('imap');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    for (const address of users) await createMailbox(db, SYSTEM, { address, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    const port = await freePort();
    const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [];
    daemon = await spawnDaemon(url, tmp, { POSTERN_IMAPS_PORT: String(port), LOG_LEVEL: 'info' }, nodeArgs);
    await seed(port, users, MESSAGES);
    const ops = await workload(port);
    const idleBytes = IDLE ? await posternIdleMemory(url) : NaN;
    return { ops, idleBytes };
  } finally {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

async function benchDovecot(): Promise<Result | null> {
  const dovecot = await startDovecot(users, PASSWORD);
  if (!dovecot) return null;
  try {
    await seed(dovecot.port, users, MESSAGES);
    const ops = await workload(dovecot.port);
    const idleBytes = IDLE ? await idleMemory(dovecot.port, () => descendants(dovecot.pid)) : NaN;
    return { ops, idleBytes };
  } finally {
    await dovecot.stop();
  }
}

async function main(): Promise<void> {
  console.log(`bench/imap: ${CLIENTS} clients over TLS, ${MESSAGES} messages each (~3.7 KB), ${ROUNDS} rounds per operation, ${IDLE} IDLE connections`);
  const postern = ONLY === 'dovecot' ? { ops: new Map<string, number>(), idleBytes: NaN } : await benchPostern();
  const dovecot = ONLY === 'postern' ? null : await benchDovecot();
  const rows: Record<string, unknown>[] = [];
  console.log('\noperation                              postern ops/s   dovecot ops/s   postern/dovecot');
  for (const name of PHASES.map((phase) => phase.name)) {
    const p = postern.ops.get(name) ?? NaN;
    const d = dovecot?.ops.get(name);
    console.log(`${name.padEnd(38)} ${p.toFixed(1).padStart(13)}   ${d ? d.toFixed(1).padStart(13) : '            -'}   ${d ? (p / d).toFixed(2).padStart(15) : ''}`);
    rows.push({ operation: name, postern: Number.isNaN(p) ? null : Number(p.toFixed(1)), dovecot: d ? Number(d.toFixed(1)) : null, ratio: d ? Number((p / d).toFixed(2)) : null });
  }
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  console.log(`\nmemory per idle IDLE connection: postern ${kb(postern.idleBytes)} (IMAP server process after GC: RSS, or heap+external when larger), dovecot ${dovecot ? `${kb(dovecot.idleBytes)} (PSS of its imap + imap-login processes)` : '-'}`);
  fs.mkdirSync(path.join(import.meta.dirname, '..', 'results'), { recursive: true });
  fs.writeFileSync(
    path.join(import.meta.dirname, '..', 'results', 'imap.json'),
    JSON.stringify({ clients: CLIENTS, messages: MESSAGES, rounds: ROUNDS, idle: IDLE, operations: rows, idleBytes: { postern: Math.round(postern.idleBytes), dovecot: dovecot ? Math.round(dovecot.idleBytes) : null }, at: new Date().toISOString() }, null, 2) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
