// bench/imap/idle.ts: what idle IMAP connections cost. The Postern daemon (mail-daemon/main.ts as
// `npm start` runs it, default limits) and Debian's Dovecot (bench/imap/dovecot.ts) each hold
// --connections IMAPS connections that are logged in, have INBOX selected and sit in IDLE
// (RFC 2177); memory is read before, with all of them open, and after they all closed.
//
//   npx tsx bench/imap/idle.ts [--connections 10000] [--parallel 50] [--warmup 20] [--settle 30] [--reserve-mb 3000]
//                              [--open-seconds 3600] [--only postern|dovecot]
//
// Memory: Postern is one process, read as VmRSS and as PSS (its share of pages it shares with
// other processes); Dovecot is a master with an imap process per session and imap-login
// processes holding the TLS, read as the sum of PSS over all of them (a sum of RSS would count
// shared libraries once per process). The daemon's V8 heap comes from its /healthz.
// Connection limits are the daemon's defaults (10,000 in all, 256 per address, 512 per /24,
// 50 per user): connection i comes from its own loopback address, 250 to a /24, and there are
// enough users for 40 each. The file-descriptor limit (--connections + 4096 a process) is raised
// for this process and both servers (they inherit it) by running again under prlimit when it is
// too low; where that is not permitted, raise it first (ulimit -n, as root).
// Dovecot gets the same count unless memory runs short: opening stops while MemAvailable is under
// --reserve-mb, or after --open-seconds (logins cost an argon2id hash each: on a loaded machine
// 10,000 take many minutes), and the count reached is what is measured and printed.
// Uses DATABASE_URL when set, else a throwaway embedded Postgres.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import type { WireClient } from '@/mail-daemon/testing/imap-wire';
import { arg, benchDatabase } from '../database';
import { connect, descendants, ok, PASSWORD, pause, pssKb } from './clients';
import { startDovecot, type Dovecot } from './dovecot';

const CONNECTIONS = arg('connections', 10_000);
const PARALLEL = arg('parallel', 50);
const WARMUP_S = arg('warmup', 20);
const SETTLE_S = arg('settle', 30);
const RESERVE_MB = arg('reserve-mb', 3000);
const OPEN_S = arg('open-seconds', 3600);
const only = process.argv.indexOf('--only');
const SERVERS = only > 0 ? [process.argv[only + 1]] : ['postern', 'dovecot'];
const users = Array.from({ length: Math.ceil(CONNECTIONS / 40) }, (_, i) => `idle${i}@bench.test`);
/** Every process holds one side of each connection (client sockets here, server sockets there), and room for Postgres, pipes and files. */
const FDS = CONNECTIONS + 4096;

function fdLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Connection i's source address: its own, 250 to a /24 (the daemon's per-address and per-/24 shares are not what is measured). */
const sourceOf = (i: number) => `127.${1 + Math.floor(i / 250)}.0.${2 + (i % 250)}`;

const memAvailableMb = () => Number(/^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024;

async function idler(port: number, i: number): Promise<WireClient> {
  const c = await connect(port, users[i % users.length], sourceOf(i));
  await ok(c, 'S SELECT INBOX');
  c.write('I IDLE\r\n');
  const l = await c.line(120_000);
  if (!l.startsWith('+')) throw new Error(`IDLE refused: ${l}`);
  return c;
}

/** Opens up to `count` idlers, PARALLEL at a time; stops early on a refusal or when memory runs short. */
async function openAll(port: number, count: number): Promise<{ conns: WireClient[]; seconds: number; stopped: string | null }> {
  const conns: WireClient[] = [];
  let next = 0;
  let stopped: string | null = null;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count && !stopped) {
        if (memAvailableMb() < RESERVE_MB) {
          stopped = `MemAvailable under ${RESERVE_MB} MB`;
          break;
        }
        if (Date.now() - started > OPEN_S * 1000) {
          stopped = `${OPEN_S} s of opening`;
          break;
        }
        const i = next++;
        try {
          conns.push(await idler(port, i));
        } catch (err) {
          stopped ??= `connection ${i}: ${(err as Error).message}`;
        }
      }
    }),
  );
  return { conns, seconds: (Date.now() - started) / 1000, stopped };
}

interface Memory {
  /** Bytes: Postern's VmRSS, or for Dovecot the same as pss. */
  rss: number;
  pss: number;
  heapUsed: number | null;
  processes: number;
}

interface Figures {
  opened: number;
  seconds: number;
  stopped: string | null;
  before: Memory;
  held: Memory;
  after: Memory;
}

/** Several samples 1 s apart, the median by PSS (one sample can land mid-GC). */
async function settled(read: () => Promise<Memory>, n = 5): Promise<Memory> {
  const samples: Memory[] = [];
  for (let i = 0; i < n; i++) {
    await pause(1000);
    samples.push(await read());
  }
  return samples.sort((a, b) => a.pss - b.pss)[Math.floor(n / 2)];
}

async function measure(port: number, count: number, read: () => Promise<Memory>): Promise<Figures> {
  await pause(WARMUP_S * 1000);
  const before = await settled(read);
  const { conns, seconds, stopped } = await openAll(port, count);
  const held = await settled(read);
  for (const c of conns) c.close();
  await pause(SETTLE_S * 1000);
  const after = await settled(read);
  return { opened: conns.length, seconds, stopped, before, held, after };
}

function vmRss(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function benchPostern(): Promise<Figures> {
  const { url, tmp, drop } = await benchDatabase('imap-idle');
  let daemon: DaemonProcess | null = null;
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    for (const address of users) await createMailbox(db, SYSTEM, { address, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    daemon = await spawnDaemon(url, tmp, { LOG_LEVEL: 'info' });
    const d = daemon;
    d.child.stdout!.on('data', () => d.output.splice(0));
    const pid = d.child.pid!;
    return await measure(d.ports.imaps, CONNECTIONS, async () => {
      const { memory } = (await (await fetch(`http://127.0.0.1:${d.ports.health}/healthz`)).json()) as { memory: { heapUsed: number } };
      return { rss: vmRss(pid), pss: pssKb([pid]) * 1024, heapUsed: memory.heapUsed, processes: 1 };
    });
  } finally {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

async function benchDovecot(): Promise<Figures | null> {
  const dovecot: Dovecot | null = await startDovecot(users, PASSWORD, CONNECTIONS);
  if (!dovecot) return null;
  try {
    return await measure(dovecot.port, CONNECTIONS, async () => {
      const pids = descendants(dovecot.pid);
      const pss = pssKb(pids) * 1024;
      return { rss: pss, pss, heapUsed: null, processes: pids.length };
    });
  } finally {
    await dovecot.stop();
  }
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function report(name: string, f: Figures): Record<string, unknown> {
  const per = (f.held.pss - f.before.pss) / Math.max(1, f.opened);
  const perRss = (f.held.rss - f.before.rss) / Math.max(1, f.opened);
  console.log(`\n${name}: ${f.opened} of ${CONNECTIONS} connections in IDLE after ${f.seconds.toFixed(0)} s${f.stopped ? ` (stopped: ${f.stopped})` : ''}`);
  for (const [label, m] of [['before', f.before], ['all connected', f.held], [`${SETTLE_S} s after closing`, f.after]] as const) {
    console.log(`  ${label.padEnd(24)} rss ${mib(m.rss).padStart(11)}   pss ${mib(m.pss).padStart(11)}${m.heapUsed === null ? '' : `   heapUsed ${mib(m.heapUsed).padStart(10)}`}   processes ${m.processes}`);
  }
  console.log(`  per connection: pss ${kib(per)}, rss ${kib(perRss)}; after closing, pss is ${mib(f.after.pss - f.before.pss)} above before`);
  return { name, ...f, perConnectionPss: Math.round(per), perConnectionRss: Math.round(perRss) };
}

async function main(): Promise<void> {
  if (fdLimit() < FDS) {
    // Node cannot raise its own limit: run again under prlimit, the servers then inherit it.
    execFileSync('prlimit', [`--nofile=${FDS}:${FDS}`, '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    return;
  }
  console.log(`bench/imap/idle: ${CONNECTIONS} IMAPS connections logged in, INBOX selected, in IDLE; ${PARALLEL} opened at a time; open files limit ${fdLimit()}`);
  console.log(`load average at start: ${load()} (${os.cpus().length} CPUs), MemAvailable ${memAvailableMb().toFixed(0)} MB`);
  fs.mkdirSync(path.join(import.meta.dirname, '..', 'results'), { recursive: true });
  for (const name of SERVERS) {
    const figures = name === 'postern' ? await benchPostern() : await benchDovecot();
    if (!figures) continue;
    const row = report(name, figures);
    console.log(`load average now: ${load()}`);
    fs.writeFileSync(
      path.join(import.meta.dirname, '..', 'results', `imap-idle-${name}.json`),
      JSON.stringify({ connections: CONNECTIONS, loadavg: os.loadavg(), ...row, at: new Date().toISOString() }, null, 2) + '\n',
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
