// bench/imap/mix.ts: a mail client's sync cycle over IMAPS, many clients at once, on the Postern
// daemon (spawned as a real process) and on Debian's Dovecot (bench/imap/dovecot.ts), printed
// as ops/s (IMAP commands answered per second) with the ratio.
//
//   npx tsx bench/imap/mix.ts [--clients 10,50] [--seconds 15] [--repeat 3] [--messages 100] [--no-dovecot]
//                             [--results bench/results/imap-mix.json]
//
// One cycle, as a client checking for mail does it: LIST "" "*"; STATUS Sent (MESSAGES UIDNEXT
// UNSEEN); SELECT INBOX; UID FETCH of the headers of what arrived since the last cycle; UID FETCH
// of those bodies; UID STORE +FLAGS.SILENT (\Seen) on them; STORE \Deleted on the oldest message
// and EXPUNGE; APPEND of one message (the next cycle's new mail, so the folder keeps its size).
// Two ways of running it:
//   new session  a new TLS connection and LOGIN before each cycle, LOGOUT after (11 commands);
//   long-lived   one logged-in session per client, the cycle repeated on it (9 commands).
// Each client is its own user. Every (clients, way) pair is measured `repeat` times, the two
// servers alternately (Postern, Dovecot, Postern, ...), each run `seconds` long after one
// unmeasured cycle per client; the medians are printed. Both servers hash with argon2id at
// Postern's parameters (m=19456 KiB, t=2, p=1), so a LOGIN costs each the same work.
// Uses DATABASE_URL when set, else a throwaway embedded Postgres.
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
import { append, connect, median, ok, PASSWORD, seed } from './clients';
import { startDovecot, type Dovecot } from './dovecot';

const list = (name: string, fallback: number[]) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1].split(',').map(Number) : fallback;
};
const CLIENTS = list('clients', [10, 50]);
const SECONDS = arg('seconds', 15);
const REPEAT = arg('repeat', 3);
const MESSAGES = arg('messages', 100);
const WITH_DOVECOT = !process.argv.includes('--no-dovecot');
const resultsAt = process.argv.indexOf('--results');
const RESULTS = resultsAt > 0 ? path.resolve(process.argv[resultsAt + 1]) : path.join(import.meta.dirname, '..', 'results', 'imap-mix.json');
const users = Array.from({ length: Math.max(...CLIENTS) }, (_, i) => `mix${i}@bench.test`);

type Way = 'new session' | 'long-lived';
const WAYS: Way[] = ['new session', 'long-lived'];
const COMMANDS: Record<Way, number> = { 'new session': 11, 'long-lived': 9 };

/** One client's view of its INBOX between cycles. */
interface Client {
  user: string;
  /** Highest UID this client has fetched. */
  seenUid: number;
  /** The next message number to APPEND. */
  next: number;
  session: WireClient | null;
}

const uidsIn = (lines: string[]) => lines.flatMap((l) => /^\* \d+ FETCH \(.*?\bUID (\d+)/.exec(l)?.[1] ?? []).map(Number);

/** Milliseconds spent per command name in the measured cycles, for the breakdown printed per server. */
type Timings = Map<string, number[]>;

function note(times: Timings | null, name: string, started: number): void {
  if (!times) return;
  const list = times.get(name) ?? [];
  list.push(performance.now() - started);
  times.set(name, list);
}

async function timed(times: Timings | null, name: string, step: () => Promise<string[]>): Promise<string[]> {
  const started = performance.now();
  const lines = await step();
  note(times, name, started);
  return lines;
}

async function cycle(c: WireClient, client: Client, times: Timings | null): Promise<void> {
  const step = (name: string, cmd: string) => timed(times, name, () => ok(c, cmd));
  await step('LIST', 'C1 LIST "" "*"');
  await step('STATUS', 'C2 STATUS Sent (MESSAGES UIDNEXT UNSEEN)');
  await step('SELECT', 'C3 SELECT INBOX');
  const heads = await step('FETCH headers', `C4 UID FETCH ${client.seenUid + 1}:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM TO SUBJECT MESSAGE-ID)])`);
  // "n:*" names the last message even when its UID is below n (RFC 3501 6.4.8): keep only new ones.
  const fresh = uidsIn(heads).filter((u) => u > client.seenUid);
  if (!fresh.length) throw new Error(`${client.user}: no new message since UID ${client.seenUid}`);
  const set = `${Math.min(...fresh)}:${Math.max(...fresh)}`;
  await step('FETCH bodies', `C5 UID FETCH ${set} (UID BODY.PEEK[])`);
  await step('STORE \\Seen', `C6 UID STORE ${set} +FLAGS.SILENT (\\Seen)`);
  client.seenUid = Math.max(...fresh);
  await step('STORE \\Deleted', 'C7 STORE 1 +FLAGS.SILENT (\\Deleted)');
  await step('EXPUNGE', 'C8 EXPUNGE');
  await timed(times, 'APPEND', () => append(c, client.next++, 'C9'));
}

/** Each client's UIDNEXT before the run, so its first cycle fetches the last message as new. */
async function prepare(port: number, clients: Client[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      const c = client.session ?? (await connect(port, client.user));
      const lines = await ok(c, 'P SELECT INBOX');
      const uidNext = Number(/\[UIDNEXT (\d+)\]/.exec(lines.join('\n'))?.[1]);
      client.seenUid = uidNext - 2;
      if (!client.session) {
        await ok(c, 'Z LOGOUT');
        c.close();
      }
    }),
  );
}

async function oneCycle(port: number, way: Way, client: Client, times: Timings | null): Promise<void> {
  if (way === 'long-lived') return cycle(client.session!, client, times);
  const started = performance.now();
  const c = await connect(port, client.user);
  note(times, 'connect + LOGIN', started);
  await cycle(c, client, times);
  await timed(times, 'LOGOUT', () => ok(c, 'Z LOGOUT'));
  c.close();
}

/** One measured run: cycles per second over all clients. */
async function run(port: number, way: Way, count: number, nextMessage: { n: number }, times: Timings): Promise<number> {
  const clients: Client[] = users.slice(0, count).map((user) => ({ user, seenUid: 0, next: 0, session: null }));
  if (way === 'long-lived') await Promise.all(clients.map(async (cl) => void (cl.session = await connect(port, cl.user))));
  for (const cl of clients) {
    cl.next = nextMessage.n;
    nextMessage.n += 100_000; // each client appends numbers of its own, run after run
  }
  try {
    await prepare(port, clients);
    await Promise.all(clients.map((cl) => oneCycle(port, way, cl, null)));
    const deadline = Date.now() + SECONDS * 1000;
    let cycles = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      clients.map(async (cl) => {
        while (Date.now() < deadline) {
          await oneCycle(port, way, cl, times);
          cycles++;
        }
      }),
    );
    return cycles / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    for (const cl of clients) {
      if (!cl.session) continue;
      await ok(cl.session, 'Z LOGOUT').catch(() => {});
      cl.session.close();
    }
  }
}

/** Both folders every cycle touches: INBOX filled with `MESSAGES` messages, and Sent. */
async function fill(port: number): Promise<void> {
  await seed(port, users, MESSAGES);
  await Promise.all(
    users.map(async (user) => {
      const c = await connect(port, user);
      const res = await c.command('M CREATE Sent', 60_000);
      // Postern creates Sent with the mailbox; Dovecot here starts with INBOX only.
      if (!/^M (OK|NO \[ALREADYEXISTS\])/.test(res[res.length - 1])) throw new Error(`CREATE Sent → ${res[res.length - 1]}`);
      c.close();
    }),
  );
}

interface Server {
  name: 'postern' | 'dovecot';
  port: number;
  /** Numbers for APPENDed messages, distinct across runs. */
  nextMessage: { n: number };
}

async function startPostern(): Promise<{ server: Server; stop(): Promise<void> }> {
  const { url, tmp, drop } = await benchDatabase('imap-mix');
  let daemon: DaemonProcess | null = null;
  const stop = async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  };
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    for (const address of users) await createMailbox(db, SYSTEM, { address, password: PASSWORD, quota: '10G' });
    await db.$disconnect();
    // Production log level (a line per login); the lines are dropped as they come.
    daemon = await spawnDaemon(url, tmp, { LOG_LEVEL: 'info' });
    const d = daemon;
    d.child.stdout!.on('data', () => d.output.splice(0));
    return { server: { name: 'postern', port: d.ports.imaps, nextMessage: { n: MESSAGES } }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  console.log(`bench/imap/mix: clients ${CLIENTS.join(', ')}; ${SECONDS} s runs, ${REPEAT} of each per server, alternately; INBOX of ${MESSAGES} messages (~3.7 KB) per user`);
  console.log(`load average at start: ${load()} (${os.cpus().length} CPUs)`);
  const postern = await startPostern();
  let dovecot: Dovecot | null = null;
  try {
    dovecot = WITH_DOVECOT ? await startDovecot(users, PASSWORD) : null;
    const servers: Server[] = [postern.server, ...(dovecot ? [{ name: 'dovecot' as const, port: dovecot.port, nextMessage: { n: MESSAGES } }] : [])];
    for (const s of servers) await fill(s.port);
    const rows: { way: Way; clients: number; runs: Record<string, number[]>; times: Record<string, Timings> }[] = [];
    for (const way of WAYS) {
      for (const count of CLIENTS) {
        const runs: Record<string, number[]> = { postern: [], dovecot: [] };
        const times: Record<string, Timings> = { postern: new Map(), dovecot: new Map() };
        for (let r = 0; r < REPEAT; r++) {
          for (const s of servers) {
            const perSecond = await run(s.port, way, count, s.nextMessage, times[s.name]);
            runs[s.name].push(perSecond * COMMANDS[way]);
            console.log(`  ${way}, ${count} clients, run ${r + 1}, ${s.name}: ${(perSecond * COMMANDS[way]).toFixed(1)} ops/s (${perSecond.toFixed(1)} cycles/s)`);
          }
        }
        rows.push({ way, clients: count, runs, times });
      }
    }
    console.log(`\nload average at end: ${load()}`);
    console.log('\nworkload (median of runs)        clients   postern ops/s   dovecot ops/s   postern/dovecot');
    const out = rows.map(({ way, clients, runs, times }) => {
      const p = median(runs.postern);
      const d = runs.dovecot.length ? median(runs.dovecot) : null;
      console.log(
        `${`${way} (${COMMANDS[way]} cmds/cycle)`.padEnd(32)} ${String(clients).padStart(7)}   ${p.toFixed(1).padStart(13)}   ${d ? d.toFixed(1).padStart(13) : '            -'}   ${d ? (p / d).toFixed(2).padStart(15) : ''}`,
      );
      return { way, clients, commandsPerCycle: COMMANDS[way], postern: Number(p.toFixed(1)), dovecot: d && Number(d.toFixed(1)), ratio: d && Number((p / d).toFixed(2)), runs,
        medianMs: Object.fromEntries(Object.entries(times).map(([server, t]) => [server, Object.fromEntries([...t].map(([name, ms]) => [name, Number(median(ms).toFixed(1))]))])) };
    });
    console.log('\nmedian ms per command, all runs');
    for (const { way, clients, times } of rows) {
      console.log(`  ${way}, ${clients} clients`.padEnd(34) + 'postern'.padStart(9) + 'dovecot'.padStart(9));
      for (const [name, ms] of times.postern) {
        const d = times.dovecot.get(name);
        console.log(`    ${name.padEnd(30)}${median(ms).toFixed(1).padStart(9)}${d ? median(d).toFixed(1).padStart(9) : '        -'}`);
      }
    }
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(
      RESULTS,
      JSON.stringify({ seconds: SECONDS, repeat: REPEAT, messages: MESSAGES, loadavg: os.loadavg(), rows: out, at: new Date().toISOString() }, null, 2) + '\n',
    );
  } finally {
    await dovecot?.stop();
    await postern.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
