// Over 300 lines: one benchmark script that sets up both senders and sinks, runs the rounds and reports.
// bench/outbound: messages per second delivered from the outbound queue into a loopback
// sink, for Postern (the daemon spawned as a real process) and for Debian's Postfix
// relaying the same messages to the same sink, each with and without STARTTLS; printed
// per round, as medians, and as the ratio Postern/Postfix.
//
//   npx tsx bench/outbound/run.ts [--messages 2000] [--size 10240] [--rounds 3]
//
// The sinks (both on port P, one address each):
// - plain: Postfix's smtp-sink on 127.0.0.2:P (no TLS; it offers PIPELINING, counts
//   sessions and messages on stdout).
// - STARTTLS: a second, private Postfix instance whose only job is its smtpd on
//   127.0.0.3:P, STARTTLS with a leaf from a test CA made here (openssl), and
//   `smtpd_proxy_filter = 127.0.0.2:P`: each accepted transaction is streamed to the
//   same smtp-sink and never touches that instance's queue. Chosen over the smtp-server
//   sink of mail-daemon/testing/smtp-sink.ts because that would be one Node process
//   parsing every message on a 2-CPU box where the senders need the CPU; smtpd is C, a
//   process per connection, and the sink behind it is the plain case's, so the two
//   cases differ only by TLS and that proxy hop (a loopback connection per transaction,
//   the same for both senders).
//
// What is timed, on each side, per round and case (N messages of --size bytes, one
// recipient each, all to one destination domain), with the same clock for both: the
// arrival of each message at the smtp-sink, read from its -c counter as it changes.
// The figure is (N - 1) / (arrival of the last message - arrival of the first), so
// neither side's wake-up is counted; the trigger-to-first-delivery latency is printed
// beside it, and the round ends only when the sender's queue is empty as well.
// - Postern: the daemon is started once and stays up (startup is never timed). The
//   queue is filled with SQL as acceptance writes it — mail_blobs rows and
//   outbound_queue rows in one transaction — then `pg_notify('postern_outbound')`
//   triggers it. Done when every row is SENT; the queue's own first→last SENT span
//   (finished_at, stamped by Postgres in the transaction that records the 250) is
//   printed as a check on the sink's span.
// - Postfix: a private instance (own config, queue and data directories under the run's
//   temp dir, inet_interfaces = 127.0.0.1, its smtpd on a high port, a transport map to
//   [127.0.0.2]:P or [127.0.0.3]:P, smtp_tls_security_level = may with the test CA as
//   smtp_tls_CAfile, concurrency and connection-cache settings left at their defaults —
//   so it reuses plain connections but opens one TLS connection per message,
//   smtp_tls_connection_reuse = no). Messages are injected by SMTP into its smtpd and
//   parked by a header_checks HOLD (nothing is delivered while injecting), then
//   released with `postsuper -H ALL` + `postqueue -f`, the trigger. Done when its
//   maillog shows a `removed` line for every message and `postqueue -p` says "Mail
//   queue is empty". (Its maillog time stamps have whole seconds only, hence the sink.)
// A warm-up round (JIT, processes, pools) of up to 200 messages per case is run first
// and not counted. Postern keeps idle connections for 10 s, so a round may start on
// connections of the one before; Postfix's plain connection cache lasts 2 s.
//
// Uses DATABASE_URL when set, else a throwaway embedded Postgres. Needs the Debian
// postfix package (root, to start its master); without it only Postern is measured,
// into a smtp-sink (plain) only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '@/lib/postgres/embedded';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { startSmtpSink as startNodeSink } from '@/mail-daemon/testing/smtp-sink';
import { RawSmtp } from '@/mail-daemon/testing/smtp';
import { arg, benchDatabase } from '../database';

const MESSAGES = arg('messages', 2000);
const SIZE = arg('size', 10 * 1024);
const ROUNDS = arg('rounds', 3);
const WARMUP = Math.min(200, MESSAGES);
const POSTFIX = '/usr/sbin/postfix';

type Case = 'plain' | 'starttls';
const CASES: Case[] = ['plain', 'starttls'];
/** The recipient domain of each case; its MX (or transport next hop) is that case's sink. */
const DOMAIN: Record<Case, string> = { plain: 'plain.test', starttls: 'tls.test' };
const SINK_ADDRESS: Record<Case, string> = { plain: '127.0.0.2', starttls: '127.0.0.3' };

interface Measurement {
  rate: number;
  seconds: number;
  /** Trigger (NOTIFY / flush) to the first delivery, seconds. */
  firstAfter: number;
  /** msg/s over the first and the second half of the messages. */
  halves: [number, number];
  /** Trigger to the queue found empty, seconds (the CPU figures are per this). */
  wall: number;
  /** STARTTLS: connections the sink's smtpd accepted during the round; plain: smtp-sink sessions that ended during it (a kept connection counts when it closes). */
  connections: number | null;
  /** CPU seconds per component during the round. */
  cpu: Record<string, number>;
  notes: string[];
}

// ---------- cleanup: every process and directory, also on failure and SIGINT ----------

const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('cleanup:', err);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------- messages ----------

function message(n: number, domain: string, round: string): Buffer {
  const head =
    `From: bench@sender.test\r\nTo: bench@${domain}\r\nSubject: bench ${round} ${n}\r\n` +
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: <${round}.${n}@sender.test>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ.\r\n';
  let body = '';
  while (head.length + body.length < SIZE) body += line;
  return Buffer.from(head + body.slice(0, Math.max(0, SIZE - head.length - 2)) + '\r\n');
}

// ---------- processes ----------

/** CPU seconds of a process tree: utime + stime of the live processes, plus cutime + cstime (reaped children). */
function cpuOf(root: number | undefined): number {
  if (!root) return 0;
  const tick = 100; // USER_HZ on Linux
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parent) if (pp === tree[i]) tree.push(p);
  return tree.reduce((sum, p) => sum + (ticks.get(p) ?? 0), 0) / tick;
}

const pidFile = (file: string) => {
  try {
    return Number(fs.readFileSync(file, 'utf8').split('\n')[0].trim()) || undefined;
  } catch {
    return undefined;
  }
};

/** Postern alone into the smtp-server sink (no Postfix). */
let fallback = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Postfix's smtp-sink; its -c counters (sessions, messages) parsed from stdout. */
interface Sink {
  child: ChildProcess | null;
  counters: () => { sessions: number; messages: number };
  /** When (epoch ms, as read here) the sink's message counter first reached `n`. */
  reached(n: number): number | null;
}

async function startSmtpSink(address: string, port: number): Promise<Sink> {
  const child = spawn('/usr/sbin/smtp-sink', ['-c', '-u', 'nobody', `${address}:${port}`, '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = { sessions: 0, messages: 0 };
  let partial = '';
  const errors: string[] = [];
  // The counter line is rewritten (\r) after every message; it arrives here unbuffered.
  const arrivals: Array<{ at: number; messages: number }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    const at = performance.timeOrigin + performance.now();
    const text = partial + d.toString();
    const cut = text.lastIndexOf('\r') + 1;
    partial = text.slice(cut);
    for (const m of text.slice(0, cut).matchAll(/sess=(\d+) quit=\d+ mesg=(\d+)/g)) {
      const messages = Number(m[2]);
      if (messages > last.messages) arrivals.push({ at, messages });
      last = { sessions: Number(m[1]), messages };
    }
  });
  child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  await until('smtp-sink to listen', 10_000, async () => {
    if (child.exitCode !== null) throw new Error(`smtp-sink exited: ${errors.join('')}`);
    return (await probeSmtp(address, port)) ? true : null;
  });
  return {
    child,
    counters: () => last,
    reached: (n) => arrivals.find((a) => a.messages >= n)?.at ?? null,
  };
}

async function probeSmtp(host: string, port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('220'));
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The fallback without Postfix: the smtp-server sink of mail-daemon/testing (in this
 * process), its arrivals seen by a 2 ms poll.
 */
async function startFallbackSink(address: string, port: number, certs: { cert: string; key: string } | null): Promise<Sink> {
  const s = await startNodeSink({ host: address, port, tls: certs ? { cert: fs.readFileSync(certs.cert, 'utf8'), key: fs.readFileSync(certs.key, 'utf8') } : null });
  let messages = 0;
  const arrivals: Array<{ at: number; messages: number }> = [];
  const timer = setInterval(() => {
    const n = s.transactions.splice(0).length;
    if (n) arrivals.push({ at: performance.timeOrigin + performance.now(), messages: (messages += n) });
  }, 2);
  cleanups.push(async () => {
    clearInterval(timer);
    await s.close();
  });
  return {
    child: null,
    counters: () => ({ sessions: s.connections, messages }),
    reached: (n) => arrivals.find((a) => a.messages >= n)?.at ?? null,
  };
}

/** A CA and a leaf for the sink's names, with the openssl CLI, in `dir`. */
function makeCertificates(dir: string, names: string[]): { ca: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Postern Bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  fs.writeFileSync(f('leaf.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  run(['req', '-new', ...ec, '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${names[0]}`]);
  run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '1001', '-days', '2', '-extfile', f('leaf.ext'), '-out', f('leaf.crt')]);
  fs.writeFileSync(f('chain.pem'), fs.readFileSync(f('leaf.crt'), 'utf8') + fs.readFileSync(f('ca.pem'), 'utf8'));
  return { ca: f('ca.pem'), cert: f('chain.pem'), key: f('leaf.key') };
}

// ---------- Postfix instances ----------

interface PostfixInstance {
  dir: string;
  conf: string;
  maillog: string;
  masterPid: () => number | undefined;
  cmd(tool: string, ...args: string[]): string;
}

/** A private Postfix: own config, queue and data directories; Debian's master.cf unchrooted, smtpd on `listen`. */
async function startPostfix(dir: string, listen: string, settings: string[]): Promise<PostfixInstance> {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const conf = path.join(dir, 'conf');
  for (const d of ['conf', 'queue', 'data']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  fs.chownSync(path.join(dir, 'data'), uid, -1);
  const maillog = path.join(dir, 'maillog');
  fs.writeFileSync(path.join(conf, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'inet_protocols = ipv4',
    'mydestination =',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'smtpd_client_message_rate_limit = 0',
    'smtpd_peername_lookup = no',
    'default_process_limit = 200',
    'message_size_limit = 52428800',
    `maillog_file = ${maillog}`,
    `maillog_file_prefixes = ${dir}`,
    ...settings,
    '',
  ].join('\n'));
  const master = fs.readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const f = l.split(/\s+/);
      if (!/^\S/.test(l) || f.length < 8) return l;
      if (f[0] === 'smtp' && f[1] === 'inet') f[0] = listen;
      f[4] = 'n';
      return f.join(' ');
    })
    .join('\n');
  fs.writeFileSync(path.join(conf, 'master.cf'), master);
  const masterPid = () => pidFile(path.join(dir, 'queue', 'pid', 'master.pid'));
  const instance: PostfixInstance = {
    dir, conf, maillog, masterPid,
    cmd(tool, ...args) {
      const r = spawnSync(`/usr/sbin/${tool}`, ['-c', conf, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
  };
  cleanups.push(async () => {
    const pid = masterPid();
    spawnSync(POSTFIX, ['-c', conf, 'stop'], { encoding: 'utf8' });
    if (pid) {
      // `postfix stop` returns before master's children are gone; wait, then insist.
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  const started = spawnSync(POSTFIX, ['-c', conf, 'start'], { encoding: 'utf8' });
  if (started.status !== 0) {
    const check = spawnSync(POSTFIX, ['-c', conf, 'check'], { encoding: 'utf8' });
    const log = fs.existsSync(maillog) ? fs.readFileSync(maillog, 'utf8').split('\n').slice(-5).join('\n') : '';
    throw new Error(`postfix start failed: ${started.stderr}${started.stdout}${check.stderr}${log}`);
  }
  const [host, port] = listen.split(':');
  await until(`postfix smtpd on ${listen}`, 10_000, async () => ((await probeSmtp(host, Number(port))) ? true : null), 100);
  return instance;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lines appended to a file since the last call. */
function follower(file: string): () => string {
  let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
  let partial = '';
  return () => {
    if (!fs.existsSync(file)) return '';
    const size = fs.statSync(file).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, buf.length, offset);
    } finally {
      fs.closeSync(fd);
    }
    offset = size;
    const text = partial + buf.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    partial = text.slice(cut);
    return text.slice(0, cut);
  };
}

const count_ = (text: string, re: RegExp) => (text.match(re) ?? []).length;

/** What the STARTTLS sink's smtpd logged about the round's sessions (smtpd_tls_loglevel = 1). */
function frontFacts(text: string | null): string[] {
  if (text === null) return [];
  const versions = new Map<string, number>();
  for (const m of text.matchAll(/TLS connection established from \S+: (\S+) with cipher/g)) versions.set(m[1], (versions.get(m[1]) ?? 0) + 1);
  return [`sink smtpd: ${[...versions].map(([v, n]) => `${n}× ${v}`).join(', ') || 'no TLS'}`];
}

/** The sink's arrival times of messages before+1 and before+count, and the rate between them. */
async function atSink(sink: Sink, before: number, count: number): Promise<{ rate: number; seconds: number; first: number; last: number; halves: [number, number] }> {
  const last = await until(`the sink to count ${count} more messages`, 30_000, () => sink.reached(before + count));
  const first = sink.reached(before + 1)!;
  const seconds = (last - first) / 1000;
  // The two halves apart: a rate that changes as the queue drains points at per-message work that grows with the queue.
  const mid = sink.reached(before + Math.ceil(count / 2))!;
  const halves: [number, number] = [(Math.ceil(count / 2) - 1) / ((mid - first) / 1000), (count - Math.ceil(count / 2)) / ((last - mid) / 1000)];
  return { rate: (count - 1) / seconds, seconds, first, last, halves };
}

// ---------- Postern ----------

/** Queries this script sends to Postern's database (subtracted from the commit count). */
let ownQueries = 0;

interface PosternSide {
  daemon: DaemonProcess;
  pool: pg.Pool;
  postmasterPid: number | undefined;
  dns: RunningDnsServer;
}

async function fillPostern(pool: pg.Pool, c: Case, count: number, round: string): Promise<void> {
  const domain = DOMAIN[c];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (let start = 0; start < count; start += 500) {
      const n = Math.min(500, count - start);
      const ids = Array.from({ length: n }, () => randomUUID());
      const raws = Array.from({ length: n }, (_, i) => message(start + i, domain, round));
      // As acceptance writes them: the stored message, then one queue row per remote recipient.
      await client.query(
        `INSERT INTO mail_blobs (id, size, sha256, raw, mime)
         SELECT u.id, octet_length(u.raw), encode(sha256(u.raw), 'hex'), u.raw, '{}'::jsonb
           FROM unnest($1::uuid[], $2::bytea[]) AS u(id, raw)`,
        [ids, raws],
      );
      await client.query(
        `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain)
         SELECT $3 || '.' || u.n, u.id, 'bench@sender.test', 'bench@' || $4, $4 FROM unnest($1::uuid[], $2::int[]) AS u(id, n)`,
        [ids, ids.map((_, i) => start + i), round, domain],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function roundPostern(side: PosternSide, c: Case, count: number, round: string, sink: Sink, frontLog: (() => string) | null): Promise<Measurement> {
  const { pool } = side;
  await pool.query('TRUNCATE outbound_attempts, outbound_queue, mail_blobs CASCADE');
  await fillPostern(pool, c, count, round);
  const dnsBefore = side.dns.queries.length;
  const sinkBefore = sink.counters();
  frontLog?.();
  const cpuBefore = { daemon: cpuOf(side.daemon.child.pid), postgres: cpuOf(side.postmasterPid) };
  const triggered = Date.now();
  await pool.query(`SELECT pg_notify('postern_outbound', '{}')`);
  let polls = 0;
  await until(`Postern to deliver ${count} messages (${c})`, 600_000, async () => {
    polls++;
    const { rows } = await pool.query<{ left: string; stuck: string | null }>(
      `SELECT count(*) FILTER (WHERE status <> 'SENT') AS left,
              max(status || ': ' || coalesce(last_reply, '')) FILTER (WHERE status IN ('DEFERRED', 'BOUNCED')) AS stuck
         FROM outbound_queue`,
    );
    if (rows[0].stuck) throw new Error(`Postern did not deliver: ${rows[0].stuck}`);
    return Number(rows[0].left) === 0 ? true : null;
  });
  const span = await atSink(sink, sinkBefore.messages, count);
  const wall = (Date.now() - triggered) / 1000;
  const cpu = { daemon: cpuOf(side.daemon.child.pid) - cpuBefore.daemon, postgres: cpuOf(side.postmasterPid) - cpuBefore.postgres };
  const { rows } = await pool.query<{ first: number; last: number; sent: string }>(
    `SELECT extract(epoch FROM min(finished_at))::float8 AS first, extract(epoch FROM max(finished_at))::float8 AS last, count(*) AS sent
       FROM outbound_queue WHERE status = 'SENT'`,
  );
  if (Number(rows[0].sent) !== count) throw new Error(`Postern: ${rows[0].sent} of ${count} sent`);
  // Evidence for where the time goes: how long an attempt took inside the transport (from
  // its call, so it includes waiting for one of the destination's connection slots), how
  // many were in flight at once, how many connections were opened.
  const attempts = await pool.query<{ avg: number; p50: number; p95: number; overlap: number; tls: string | null; verification: string }>(
    `WITH a AS (SELECT started_at - make_interval(secs => duration_ms / 1000.0) AS s, started_at AS e, duration_ms, tls_version, tls_verification FROM outbound_attempts),
          edges AS (SELECT s AS t, 1 AS d FROM a UNION ALL SELECT e, -1 FROM a),
          running AS (SELECT sum(d) OVER (ORDER BY t, d) AS n FROM edges)
     SELECT (SELECT avg(duration_ms)::float8 FROM a) AS avg,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::float8 FROM a) AS p50,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 FROM a) AS p95,
            (SELECT max(n)::float8 FROM running) AS overlap,
            (SELECT max(tls_version) FROM a) AS tls, (SELECT max(tls_verification) FROM a) AS verification`,
  );
  const sinkAfter = sink.counters();
  const a = attempts.rows[0];
  const frontText = frontLog?.() ?? null;
  const newConnections = frontText !== null ? count_(frontText, / connect from /g) : sinkAfter.sessions - sinkBefore.sessions;
  ownQueries += polls + 6;
  return {
    ...span,
    firstAfter: (span.first - triggered) / 1000,
    wall,
    connections: newConnections,
    cpu,
    notes: [
      `queue: first→last SENT ${(rows[0].last - rows[0].first).toFixed(2)} s, last SENT ${(rows[0].last * 1000 - span.last).toFixed(0)} ms after the sink's last`,
      `attempt in transport avg ${a.avg.toFixed(1)} ms (p50 ${a.p50.toFixed(0)}, p95 ${a.p95.toFixed(0)}), at most ${a.overlap} at once`,
      `${a.tls ?? 'no TLS'}/${a.verification}`,
      // A new connection costs five lookups (TXT _mta-sts, MX, A, AAAA, TLSA); a reused one none.
      `${(side.dns.queries.length - dnsBefore) / 5} connections opened (DNS lookups / 5)`,
      ...frontFacts(frontText),
    ],
  };
}

// ---------- Postfix (sender) ----------

async function injectPostfix(port: number, c: Case, count: number, round: string): Promise<void> {
  let next = 0;
  const session = async () => {
    const { client, greeting } = await RawSmtp.connect(port);
    if (greeting.code !== 220) throw new Error(`postfix greeting ${greeting.code} ${greeting.text}`);
    const expect = async (line: string, code: number) => {
      const r = await client.cmd(line);
      if (r.code !== code) throw new Error(`postfix: ${line.slice(0, 40)} → ${r.code} ${r.text}`);
    };
    await expect('EHLO bench.client', 250);
    while (next < count) {
      const n = next++;
      client.write(`MAIL FROM:<bench@sender.test>\r\nRCPT TO:<bench@${DOMAIN[c]}>\r\nDATA\r\n`);
      for (const code of [250, 250, 354]) {
        const r = await client.read();
        if (r.code !== code) throw new Error(`postfix pipelined → ${r.code} ${r.text}`);
      }
      // Dot-stuffing is not needed: no line of message() starts with a dot.
      await expect(message(n, DOMAIN[c], round).toString('latin1') + '.', 250);
    }
    await client.cmd('QUIT').catch(() => {});
    client.close();
  };
  await Promise.all(Array.from({ length: 4 }, session));
}

function filesUnder(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? filesUnder(path.join(dir, e.name)) : 1;
  return n;
}

async function roundPostfix(pf: PostfixInstance, smtpdPort: number, c: Case, count: number, round: string, sink: Sink, frontLog: (() => string) | null, sinkMaster: () => number | undefined): Promise<Measurement> {
  const queue = path.join(pf.dir, 'queue');
  await injectPostfix(smtpdPort, c, count, round);
  await until(`${count} messages on hold in Postfix`, 120_000, () => (filesUnder(path.join(queue, 'hold')) === count ? true : null), 100);
  const log = follower(pf.maillog);
  const sinkBefore = sink.counters();
  frontLog?.();
  const cpuBefore = { postfix: cpuOf(pf.masterPid()), front: cpuOf(sinkMaster()) };
  const triggered = Date.now();
  pf.cmd('postsuper', '-H', 'ALL');
  pf.cmd('postqueue', '-f');
  let sent = 0;
  let removed = 0;
  const smtpPids = new Set<string>();
  const problems: string[] = [];
  await until(`Postfix to deliver ${count} messages (${c})`, 600_000, () => {
    for (const line of log().split('\n')) {
      if (!line) continue;
      if (/ status=sent /.test(line)) {
        sent++;
        smtpPids.add(/postfix\/smtp\[(\d+)\]/.exec(line)?.[1] ?? '');
      } else if (/: removed$/.test(line)) removed++;
      else if (/ status=(deferred|bounced) /.test(line) && problems.length < 3) problems.push(line);
    }
    if (problems.length) throw new Error(`Postfix did not deliver: ${problems.join('\n')}`);
    return removed >= count ? true : null;
  });
  const span = await atSink(sink, sinkBefore.messages, count);
  const wall = (Date.now() - triggered) / 1000;
  const cpu: Record<string, number> = { postfix: cpuOf(pf.masterPid()) - cpuBefore.postfix };
  if (c === 'starttls') cpu.front = cpuOf(sinkMaster()) - cpuBefore.front;
  const empty = pf.cmd('postqueue', '-p');
  if (!/Mail queue is empty/.test(empty)) throw new Error(`Postfix queue not empty after ${removed} removed: ${empty.slice(0, 300)}`);
  if (sent !== count) throw new Error(`Postfix: ${sent} sent for ${count} messages`);
  const sinkAfter = sink.counters();
  const frontText = frontLog?.() ?? null;
  return {
    ...span,
    firstAfter: (span.first - triggered) / 1000,
    wall,
    connections: frontText !== null ? count_(frontText, / connect from /g) : sinkAfter.sessions - sinkBefore.sessions,
    cpu,
    notes: [`${smtpPids.size} smtp delivery processes`, ...frontFacts(frontText)],
  };
}

// ---------- the run ----------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function show(who: string, c: Case, r: number | string, m: Measurement): void {
  const cpu = Object.entries(m.cpu).map(([k, v]) => `${k} ${(v / m.wall).toFixed(2)}`).join(', ');
  console.log(
    `  ${`round ${r}`.padEnd(8)} ${who.padEnd(8)} ${c.padEnd(9)} ${m.rate.toFixed(1).padStart(8)} msg/s  ` +
      `(${m.seconds.toFixed(2)} s first→last, first after ${(m.firstAfter * 1000).toFixed(0)} ms; halves ${m.halves.map((h) => h.toFixed(0)).join('/')} msg/s; ` +
      `${m.connections ?? '?'} ${fallback ? 'connections to the sink' : c === 'plain' ? 'smtp-sink sessions ended' : 'connections to the sink smtpd'}; CPU cores used: ${cpu}${m.notes.length ? `; ${m.notes.join('; ')}` : ''})`,
  );
}

async function main(): Promise<void> {
  console.log(`bench/outbound: ${MESSAGES} messages of ${SIZE} bytes per case, ${ROUNDS} rounds (+ a warm-up of ${WARMUP}), one recipient each, on ${os.cpus().length} CPUs`);
  const db = await benchDatabase('outbound');
  cleanups.push(() => db.drop());
  const tmp = db.tmp;
  const port = await freePort();
  const certs = makeCertificates(fs.mkdtempSync(path.join(tmp, 'ca-')), ['mx.tls.test', 'mx.plain.test']);
  fs.chmodSync(path.dirname(certs.key), 0o755);

  const sinks = {} as Record<Case, Sink>;
  let front: PostfixInstance | null = null;
  if (fs.existsSync(POSTFIX) && fs.existsSync('/usr/sbin/smtp-sink')) {
    try {
      sinks.plain = sinks.starttls = await startSmtpSink(SINK_ADDRESS.plain, port);
      // The STARTTLS sink: a Postfix smtpd that hands every transaction to the smtp-sink.
      front = await startPostfix(path.join(tmp, 'sink-postfix'), `${SINK_ADDRESS.starttls}:${port}`, [
        // Postfix refuses an inet_interfaces address not configured on an interface (lo has
        // only 127.0.0.1); master.cf's service address has no such check.
        'inet_interfaces = 127.0.0.1',
        'myhostname = mx.tls.test',
        `smtpd_proxy_filter = ${SINK_ADDRESS.plain}:${port}`,
        `smtpd_tls_cert_file = ${certs.cert}`,
        `smtpd_tls_key_file = ${certs.key}`,
        'smtpd_tls_security_level = may',
        'smtpd_tls_protocols = >=TLSv1.2',
        'smtpd_tls_loglevel = 1',
      ]);
    } catch (err) {
      console.log(`postfix: could not be started (${(err as Error).message.split('\n')[0]}): Postern alone`);
      front = null;
    }
  } else console.log('postfix: not installed (apt-get install postfix): Postern alone');
  if (!front) {
    fallback = true;
    // Postern alone, into the smtp-server sink (one Node process: a lower ceiling than smtp-sink).
    sinks.plain ??= await startFallbackSink(SINK_ADDRESS.plain, port, null);
    sinks.starttls = await startFallbackSink(SINK_ADDRESS.starttls, port, certs);
  }
  const cases = CASES;
  const frontLogFor = (c: Case) => (c === 'starttls' && front ? follower(front.maillog) : null);

  // Postern: DNS for both destinations, the daemon started once.
  const dns = await startDnsServer({
    zones: {
      'plain.test': { MX: [{ preference: 10, exchange: 'mx.plain.test' }] },
      'mx.plain.test': { A: [SINK_ADDRESS.plain] },
      'tls.test': { MX: [{ preference: 10, exchange: 'mx.tls.test' }] },
      'mx.tls.test': { A: [SINK_ADDRESS.starttls] },
    },
  });
  cleanups.push(() => dns.close());
  const daemon = await spawnDaemon(db.url, tmp, {
    POSTERN_DNS_SERVERS: dns.server,
    POSTERN_OUTBOUND_PORT: String(port),
    NODE_EXTRA_CA_CERTS: certs.ca,
  });
  cleanups.push(async () => {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGTERM');
    await daemon.exited;
  });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  cleanups.push(() => pool.end());
  const postmasterPid = process.env.DATABASE_URL ? undefined : pidFile(path.join(tmp, 'pg', 'postmaster.pid'));
  const postern: PosternSide = { daemon, pool, postmasterPid, dns };

  // Postfix, the sender: the same messages, the same sinks.
  let sender: PostfixInstance | null = null;
  let smtpdPort = 0;
  if (front) {
    smtpdPort = await freePort();
    const dir = path.join(tmp, 'postfix');
    fs.mkdirSync(path.join(dir, 'conf'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'conf', 'transport'), `plain.test smtp:[${SINK_ADDRESS.plain}]:${port}\ntls.test smtp:[${SINK_ADDRESS.starttls}]:${port}\n`);
    // Held on arrival, released when the timed part starts.
    fs.writeFileSync(path.join(dir, 'conf', 'header_checks'), '/^Subject: bench / HOLD\n');
    sender = await startPostfix(dir, `127.0.0.1:${smtpdPort}`, [
      'inet_interfaces = 127.0.0.1',
      'myhostname = postfix.sender.test',
      `transport_maps = texthash:${dir}/conf/transport`,
      `header_checks = regexp:${dir}/conf/header_checks`,
      'smtp_tls_security_level = may',
      `smtp_tls_CAfile = ${certs.ca}`,
      // Injection is not timed; without this smtpd would pace it while nothing leaves the queue.
      'in_flow_delay = 0',
    ]);
    console.log(`postfix ${execFileSync('/usr/sbin/postconf', ['-h', '-d', 'mail_version'], { encoding: 'utf8' }).trim()}: sender on 127.0.0.1:${smtpdPort}, STARTTLS sink smtpd on ${SINK_ADDRESS.starttls}:${port} → smtp-sink ${SINK_ADDRESS.plain}:${port}`);
  }

  // What one durable commit costs on this disk: Postern commits at least twice per message
  // (the claim and the result), Postfix's delivery writes nothing durable (it unlinks the file).
  await pool.query('CREATE TABLE bench_commit_probe (n int)');
  const probeStart = performance.now();
  for (let i = 0; i < 100; i++) await pool.query('INSERT INTO bench_commit_probe VALUES ($1)', [i]);
  const commitMs = (performance.now() - probeStart) / 100;
  await pool.query('DROP TABLE bench_commit_probe');
  console.log(`postgres: one INSERT + commit, one after another: ${commitMs.toFixed(2)} ms (synchronous_commit ${(await pool.query('SHOW synchronous_commit')).rows[0].synchronous_commit}, fsync ${(await pool.query('SHOW fsync')).rows[0].fsync})`);
  const commits = async () => Number((await pool.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n);
  const commitsBefore = await commits();
  let posternMessages = 0;
  const results: Record<string, Measurement[]> = {};
  for (let r = 0; r <= ROUNDS; r++) {
    const count = r === 0 ? WARMUP : MESSAGES;
    console.log(r === 0 ? `warm-up (${count} per case, not counted)` : `round ${r}`);
    for (const c of cases) {
      const p = await roundPostern(postern, c, count, `r${r}${c}`, sinks[c], frontLogFor(c));
      show('postern', c, r || 'w', p);
      posternMessages += count;
      if (r) (results[`postern ${c}`] ??= []).push(p);
      if (sender && front) {
        const f = await roundPostfix(sender, smtpdPort, c, count, `r${r}${c}`, sinks[c], frontLogFor(c), front.masterPid);
        show('postfix', c, r || 'w', f);
        if (r) (results[`postfix ${c}`] ??= []).push(f);
      }
    }
  }
  // Backends flush their statistics when idle for a while (at most 10 s in Postgres 15+).
  await sleep(11_000);
  const commitsAll = (await commits()) - commitsBefore - ownQueries - 2;
  console.log(`\npostern: ${(commitsAll / posternMessages).toFixed(1)} Postgres transactions per message delivered (pg_stat_database xact_commit, read-only statements included, this script's own queries subtracted)`);
  console.log(`sink total: ${sinks.plain.counters().messages} messages in ${sinks.plain.counters().sessions} smtp-sink sessions`);
  console.log('\nmedian over rounds            postern msg/s   postfix msg/s   postern/postfix');
  for (const c of cases) {
    const p = median(results[`postern ${c}`].map((m) => m.rate));
    const f = results[`postfix ${c}`] ? median(results[`postfix ${c}`].map((m) => m.rate)) : null;
    console.log(`${c.padEnd(28)} ${p.toFixed(1).padStart(15)} ${f ? f.toFixed(1).padStart(15) : '              -'} ${f ? (p / f).toFixed(2).padStart(17) : ''}`);
  }
}

main()
  .then(
    () => 0,
    (err) => {
      console.error(err);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
