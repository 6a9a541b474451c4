// bench/memory: the mail daemon's memory after a connection storm. A real daemon process
// (mail-daemon/main.ts, as `npm start` runs it) is measured before, during and after N IMAPS
// connections that complete the TLS handshake, read the greeting, LOGIN and SELECT INBOX,
// then all close at once; twice, so memory the first storm freed but kept (V8's heap pages,
// the C allocator's arenas) shows as a plateau and memory still held per session as growth.
//
//   npx tsx bench/memory/storm.ts [--connections 2000] [--users 50] [--storms 2] [--warmup 30] [--settle 60] [--login 1]
//
// RSS is /proc/<pid>/status VmRSS. The V8 heap figures are the daemon's own (GET /healthz on
// its admin port reports process.memoryUsage()). "after" is sampled every 2 s for --settle
// seconds once every connection is closed, without forcing anything (what an operator sees):
// the last sample and the lowest are printed. Then, when this process has a WebSocket client
// (Node 20: NODE_OPTIONS=--experimental-websocket), a full GC is forced through the daemon's
// inspector (it runs with --inspect on loopback; the daemon itself has no GC trigger) and
// "after GC" is printed: heapUsed then counts live objects only, not garbage V8 had not
// collected yet.
// --login 0 stops after the greeting (TLS and session only, no password check, no mailbox).
// The daemon inherits this environment: run it as `MALLOC_MMAP_THRESHOLD_=1048576 npx tsx
// bench/memory/storm.ts` to see the daemon with glibc's mmap threshold fixed (each argon2id
// hash, 19 MiB, is then mapped and unmapped instead of staying in a malloc arena after the
// first one raised the dynamic threshold; lib/auth/password.ts has the parameters).
// Uses DATABASE_URL when set, else a throwaway embedded Postgres.
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { arg, benchDatabase } from '../database';

const CONNECTIONS = arg('connections', 2000);
// The daemon allows 50 connections per user (ImapLimits.maxConnectionsPerUser).
const USERS = arg('users', Math.max(1, Math.ceil(CONNECTIONS / 40)));
const STORMS = arg('storms', 2);
const SETTLE_S = arg('settle', 60);
/** Idle seconds after the daemon starts, before "before": V8 gives back its start-up heap meanwhile. */
const WARMUP_S = arg('warmup', 30);
const LOGIN = arg('login', 1) !== 0;
/** Connections being opened at once. */
const PARALLEL = arg('parallel', 50);
const PASSWORD = 'Storm-Password-123';
const users = Array.from({ length: USERS }, (_, i) => `storm${i}@storm.test`);

interface Sample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** VmRSS of the process, in bytes. */
function vmRss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

async function sample(daemon: DaemonProcess): Promise<Sample> {
  const res = await fetch(`http://127.0.0.1:${daemon.ports.health}/healthz`);
  const { memory } = (await res.json()) as { memory: Omit<Sample, 'rss'> };
  return { ...memory, rss: vmRss(daemon.child.pid!) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Socketish = { onopen: (() => void) | null; onmessage: ((e: { data: unknown }) => void) | null; onerror: ((e: unknown) => void) | null; send(d: string): void; close(): void };
const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => Socketish }).WebSocket;

/** A full GC in the daemon, through its inspector (Chrome DevTools Protocol HeapProfiler.collectGarbage). */
async function forceGc(inspectPort: number): Promise<void> {
  if (!WebSocketClass) throw new Error('no WebSocket client in this process');
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocketClass(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    ws.onerror = reject;
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.onmessage = (e) => {
      if ((JSON.parse(String(e.data)) as { id?: number }).id === 1) resolve();
    };
  });
  ws.close();
}

/** Several samples 1 s apart; the median by RSS (one sample can land mid-GC). */
async function settled(daemon: DaemonProcess, n = 5): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    await pause(1000);
    samples.push(await sample(daemon));
  }
  return samples.sort((a, b) => a.rss - b.rss)[Math.floor(n / 2)];
}

/**
 * Client i's source address: every connection its own loopback address, 250 to a /24, so the
 * daemon's per-address and per-network shares (ImapLimits) are not what is measured.
 */
const sourceOf = (i: number) => `127.${1 + Math.floor(i / 250)}.0.${2 + (i % 250)}`;

async function open(port: number, i: number): Promise<WireClient> {
  const c = await WireClient.connect(port, { tls: true, localAddress: sourceOf(i) });
  const greeting = await c.line(60_000);
  if (!greeting.startsWith('* OK')) throw new Error(`greeting: ${greeting}`);
  if (!LOGIN) return c;
  for (const cmd of [`L LOGIN ${users[i % users.length]} ${PASSWORD}`, 'S SELECT INBOX']) {
    const lines = await c.command(cmd, 120_000);
    const last = lines[lines.length - 1];
    if (!/^\S+ OK/.test(last)) throw new Error(`${cmd.split(' ')[1]} → ${last}`);
  }
  return c;
}

/** Opens CONNECTIONS connections, PARALLEL at a time. */
async function storm(port: number): Promise<{ conns: WireClient[]; seconds: number }> {
  const conns: WireClient[] = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < CONNECTIONS) {
        const i = next++;
        conns.push(await open(port, i));
      }
    }),
  );
  return { conns, seconds: (Date.now() - started) / 1000 };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const row = (label: string, s: Sample) =>
  console.log(`${label.padEnd(34)} rss ${mb(s.rss).padStart(10)}   heapUsed ${mb(s.heapUsed).padStart(10)}   heapTotal ${mb(s.heapTotal).padStart(10)}   external ${mb(s.external).padStart(10)}`);

async function main(): Promise<void> {
  const malloc = Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_')).map(([k, v]) => `${k}=${v}`);
  console.log(
    `bench/memory/storm: ${CONNECTIONS} IMAPS connections (${LOGIN ? `LOGIN + SELECT, ${USERS} users` : 'TLS + greeting only'}), ${STORMS} storms, ${SETTLE_S} s settle` +
      `; daemon malloc settings: ${malloc.length ? malloc.join(' ') : "glibc's defaults"}`,
  );
  const { url, tmp, drop } = await benchDatabase('memory-storm');
  let daemon: DaemonProcess | null = null;
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'storm.test' });
    for (const address of users) await createMailbox(db, SYSTEM, { address, password: PASSWORD, quota: '1G' });
    await db.$disconnect();
    // Production log level: one line per login, as an operator runs it.
    const inspectPort = await freePort();
    daemon = await spawnDaemon(url, tmp, { LOG_LEVEL: 'info' }, WebSocketClass ? [`--inspect=127.0.0.1:${inspectPort}`] : []);
    const d = daemon;
    const gcSample = async (): Promise<Sample | null> => {
      if (!WebSocketClass) return null;
      await forceGc(inspectPort);
      return sample(d);
    };
    // Drop the daemon's log lines as they come: this process holds 2,000 TLS clients already.
    d.child.stdout!.on('data', () => d.output.splice(0));
    await pause(WARMUP_S * 1000); // its start-up work done (migrations checked, caches filled, the TLS provider's report), its start-up garbage collected
    const before = await settled(d);
    row('before', before);
    const beforeGc = await gcSample();
    if (beforeGc) row('before, after GC', beforeGc);
    else console.log('(no forced GC: run with NODE_OPTIONS=--experimental-websocket for the "after GC" rows)');
    const results: { storm: number; seconds: number; peak: Sample; after: Sample; lowest: Sample; afterGc: Sample | null }[] = [];
    for (let n = 1; n <= STORMS; n++) {
      let peakRss = 0;
      let peak: Sample = before;
      const watch = setInterval(() => {
        void sample(d).then((s) => {
          if (s.rss > peakRss) [peakRss, peak] = [s.rss, s];
        }, () => {});
      }, 500);
      const { conns, seconds } = await storm(d.ports.imaps);
      const held = await settled(d, 3);
      clearInterval(watch);
      if (held.rss > peak.rss) peak = held;
      row(`storm ${n}: ${conns.length} open (${seconds.toFixed(0)} s)`, held);
      row(`storm ${n}: peak`, peak);
      for (const c of conns) c.close();
      let lowest: Sample | null = null;
      let last: Sample = held;
      for (let t = 0; t < SETTLE_S; t += 2) {
        await pause(2000);
        last = await sample(d);
        if (!lowest || last.rss < lowest.rss) lowest = last;
      }
      row(`storm ${n}: after ${SETTLE_S} s`, last);
      row(`storm ${n}: lowest after`, lowest ?? last);
      const afterGc = await gcSample();
      if (afterGc) row(`storm ${n}: after ${SETTLE_S} s, after GC`, afterGc);
      results.push({ storm: n, seconds, peak, after: last, lowest: lowest ?? last, afterGc });
    }
    const last = results[results.length - 1];
    console.log(
      `\nafter − before: rss ${mb(last.after.rss - before.rss)}, heapUsed ${mb(last.after.heapUsed - before.heapUsed)}; ` +
        `storm ${STORMS} after − storm 1 after: rss ${mb(last.after.rss - results[0].after.rss)}, heapUsed ${mb(last.after.heapUsed - results[0].after.heapUsed)}`,
    );
    if (beforeGc && last.afterGc && results[0].afterGc) {
      console.log(
        `after GC − before GC: rss ${mb(last.afterGc.rss - beforeGc.rss)}, heapUsed ${mb(last.afterGc.heapUsed - beforeGc.heapUsed)}; ` +
          `storm ${STORMS} − storm 1 (after GC): rss ${mb(last.afterGc.rss - results[0].afterGc.rss)}, heapUsed ${mb(last.afterGc.heapUsed - results[0].afterGc.heapUsed)}`,
      );
    }
    fs.mkdirSync(path.join(import.meta.dirname, '..', 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(import.meta.dirname, '..', 'results', 'memory-storm.json'),
      JSON.stringify({ connections: CONNECTIONS, users: USERS, login: LOGIN, settleSeconds: SETTLE_S, malloc, before, beforeGc, storms: results, at: new Date().toISOString() }, null, 2) + '\n',
    );
  } finally {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
