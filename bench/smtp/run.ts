// bench/smtp: messages per second accepted over STARTTLS by N parallel sessions (10 KB
// messages, durable: the 250 comes after the commit), for Postern and for Debian's
// Postfix started here on loopback with its own config directory (delivering to
// discard:, queue files fsync'ed before its 250), printed with the ratio.
// With --checks: Postern with the checks on arrival off and then on (SPF, DKIM, DMARC, ARC
// against a loopback DNS server publishing the sending domain's records, the message
// DKIM-signed), both rates and what the checks cost per message; Postfix is not run.
//
// --plain: no STARTTLS; --reconnect: a new connection (and greeting, EHLO, STARTTLS) for
// every message, as a sender without connection caching does, where latency, not CPU, binds.
// --no-checks: Postern with the checks on arrival off (Postfix runs none), so what is measured is
// the accept path itself: its database round trips and the commit.
// --submissions: implicit TLS (RFC 8314, Postern's submissions port) and AUTH PLAIN once per
// session, the mailbox's own address as sender; Postfix gets an smtpd in wrapper mode on a second
// port and sends without AUTH (no SASL backend here), so its row has no password check.
// --steps: also print the median time of each step of a message (greeting, EHLO, the pipelined
// MAIL/RCPT/DATA, the message up to its 250, QUIT) for each server, to see where latency lives.
// --cpu-prof DIR: the daemon runs under node --cpu-prof and writes its V8 CPU profile to DIR when
// it stops (open it in Chrome's DevTools, or sum it by function).
// --from 127.0.0.2: the client's source address. 127.0.0.1 is named in /etc/hosts, which answers
// its reverse lookup without DNS; any other loopback address is asked of the resolver, as a real
// client's address is.
//
//   npx tsx bench/smtp/run.ts [--sessions 8] [--messages 2000] [--size 10240] [--plain] [--reconnect] [--submissions] [--from 127.0.0.2] [--checks] [--no-checks]
//
// Uses DATABASE_URL when set, else a throwaway embedded Postgres. Needs the Debian
// postfix package (root, to start its master); without it only Postern is measured.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SYSTEM } from '@/lib/actor';
import { createPrisma } from '@/lib/db/prisma';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimRecordValue } from '@/lib/dkim/dns-record';
import { txtStrings } from '@/lib/dns/txt';
import { updatePolicy } from '@/lib/policy';
import { startDnsServer } from '@/mail-daemon/testing/dns-server';
import { freePort } from '@/lib/postgres/embedded';
import { arg, benchDatabase } from '../database';
import { RawSmtp } from '@/mail-daemon/testing/smtp';
import { spawnDaemon } from '@/mail-daemon/testing/daemon';

const SESSIONS = arg('sessions', 8);
const MESSAGES = arg('messages', 2000);
const SIZE = arg('size', 10 * 1024);
const PLAIN = process.argv.includes('--plain');
const RECONNECT = process.argv.includes('--reconnect');
const NO_CHECKS = process.argv.includes('--no-checks');
const SUBMISSIONS = process.argv.includes('--submissions');
const STEPS = process.argv.includes('--steps');
const CPU_PROF = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;
const FROM = process.argv.includes('--from') ? process.argv[process.argv.indexOf('--from') + 1] : undefined;
const PASSWORD = 'Correct-Horse-Battery-9';

function message(n: number): string {
  const head = `From: bench@sender.test\r\nTo: bench@bench.test\r\nSubject: bench ${n}\r\nMessage-ID: <${n}.${Date.now()}@sender.test>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ.\r\n';
  let body = '';
  while (head.length + body.length < SIZE) body += line;
  return head + body.slice(0, SIZE - head.length - 2) + '\r\n';
}

/**
 * N sessions, each greeting, EHLO (STARTTLS, EHLO) once — or once per message with --reconnect —
 * then pipelined MAIL/RCPT/DATA + message until the shared budget is spent.
 */
async function load(port: number, rcpt: string, raw = message(0), auth = false): Promise<{ seconds: number; sent: number; steps: Map<string, number[]> }> {
  let next = 0;
  const steps = new Map<string, number[]>();
  /** One session's clock: step(name) records the time since the last step (or start()). */
  const clock = () => {
    let mark = performance.now();
    return {
      start: () => void (mark = performance.now()),
      step(name: string) {
        const now = performance.now();
        steps.set(name, [...(steps.get(name) ?? []), now - mark]);
        mark = now;
      },
    };
  };
  const body = raw + '.';
  const sender = SUBMISSIONS ? rcpt : 'bench@sender.test';
  const open = async (time: ReturnType<typeof clock>) => {
    time.start();
    const { client, greeting } = await RawSmtp.connect(port, { implicitTls: SUBMISSIONS, ...(FROM ? { localAddress: FROM } : {}) });
    if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.text}`);
    time.step('connect and greeting');
    const expect = async (line: string, code: number) => {
      const r = await client.cmd(line);
      if (r.code !== code) throw new Error(`${line.slice(0, 40)} → ${r.code} ${r.text}`);
    };
    await expect('EHLO bench.client', 250);
    time.step('EHLO');
    if (!PLAIN && !SUBMISSIONS) {
      await expect('STARTTLS', 220);
      await client.upgrade('localhost');
      await expect('EHLO bench.client', 250);
      time.step('STARTTLS and EHLO');
    }
    if (auth) {
      await expect(`AUTH PLAIN ${Buffer.from(`\0${rcpt}\0${PASSWORD}`).toString('base64')}`, 235);
      time.step('AUTH');
    }
    return { client, expect };
  };
  const close = async (client: RawSmtp, time: ReturnType<typeof clock>) => {
    time.start();
    await client.cmd('QUIT').catch(() => {});
    time.step('QUIT');
    client.close();
  };
  const session = async () => {
    const time = clock();
    let conn = await open(time);
    let sent = 0;
    while (next < MESSAGES) {
      next++;
      if (RECONNECT && sent > 0) {
        await close(conn.client, time);
        conn = await open(time);
      }
      const { client, expect } = conn;
      time.start();
      // RFC 2920: MAIL, RCPT and DATA in one write, as MTAs send them.
      client.write(`MAIL FROM:<${sender}>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
      for (const code of [250, 250, 354]) {
        const r = await client.read();
        if (r.code !== code) throw new Error(`pipelined → ${r.code} ${r.text}`);
      }
      time.step('MAIL, RCPT, DATA');
      await expect(body, 250);
      time.step('message to its 250');
      sent++;
    }
    await close(conn.client, time);
    return sent;
  };
  const started = process.hrtime.bigint();
  const counts = await Promise.all(Array.from({ length: SESSIONS }, session));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, sent: counts.reduce((a, b) => a + b, 0), steps };
}

/** With one session the steps are sequential; with more they overlap and each is the latency one session sees. */
function printSteps(label: string, steps: Map<string, number[]>): void {
  if (!STEPS) return;
  const at = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${label} steps (ms: median / mean / 99th percentile):`);
  for (const [name, xs] of steps) console.log(`  ${name.padEnd(22)} ${at(xs, 0.5).toFixed(2)} / ${mean(xs).toFixed(2)} / ${at(xs, 0.99).toFixed(2)}`);
}

async function benchPostern(label = 'postern', run: { authChecks?: boolean; env?: Record<string, string>; raw?: string } = {}): Promise<number> {
  const { url, tmp, drop } = await benchDatabase('smtp');
  let daemon: Awaited<ReturnType<typeof spawnDaemon>> | null = null;
  try {
    const db = createPrisma(url);
    await addDomain(db, SYSTEM, { name: 'bench.test' });
    await createMailbox(db, SYSTEM, { address: 'bench@bench.test', password: PASSWORD, quota: 0 });
    // The submission rows send more than a mailbox's default hourly budget (sendMessagesPerHour 200).
    const limits = SUBMISSIONS ? { sendMessagesPerHour: 0, sendRecipientsPerDay: 0 } : {};
    if (run.authChecks !== undefined || SUBMISSIONS) await updatePolicy(db, SYSTEM, { domainId: null, settings: { ...limits, ...(run.authChecks !== undefined ? { authChecks: run.authChecks } : {}) } });
    await db.$disconnect();
    daemon = await spawnDaemon(url, tmp, run.env, CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : []); // production log level (info): one line per session and per message
    const port = SUBMISSIONS ? daemon.ports.submissions : daemon.ports.mx;
    await load(port, 'bench@bench.test', run.raw, SUBMISSIONS).then(() => undefined, () => undefined); // warm-up (JIT, pool)
    const r = await load(port, 'bench@bench.test', run.raw, SUBMISSIONS);
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const stored = Number((await check.query('SELECT count(*) AS n FROM mail_messages')).rows[0].n);
    await check.end();
    const rate = r.sent / r.seconds;
    console.log(`${label}: ${r.sent} messages in ${r.seconds.toFixed(2)} s = ${rate.toFixed(1)} msg/s (${stored} stored in total incl. warm-up)`);
    printSteps(label, r.steps);
    return rate;
  } finally {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await drop();
  }
}

async function benchPostfix(): Promise<number | null> {
  if (!fs.existsSync('/usr/sbin/postfix')) {
    console.log('postfix: not installed (apt-get install postfix), skipped');
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-bench-postfix-'));
  fs.chmodSync(dir, 0o755);
  const conf = path.join(dir, 'conf');
  fs.mkdirSync(conf);
  fs.mkdirSync(path.join(dir, 'queue'));
  fs.mkdirSync(path.join(dir, 'data'));
  const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  fs.chownSync(path.join(dir, 'data'), uid, -1);
  const port = await freePort();
  const wrapperPort = await freePort();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', path.join(conf, 'key.pem'), '-out', path.join(conf, 'cert.pem')], { stdio: 'ignore' });
  fs.writeFileSync(path.join(conf, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'myhostname = postfix.bench.test',
    'mydestination = bench.test',
    'local_recipient_maps =',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    'local_transport = discard:',
    'default_transport = discard:',
    'relay_transport = discard:',
    `smtpd_tls_cert_file = ${conf}/cert.pem`,
    `smtpd_tls_key_file = ${conf}/key.pem`,
    'smtpd_tls_security_level = may',
    'smtpd_tls_protocols = >=TLSv1.2',
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'smtpd_client_message_rate_limit = 0',
    'default_process_limit = 200',
    'message_size_limit = 52428800',
    `maillog_file = ${dir}/maillog`,
    `maillog_file_prefixes = ${dir}`,
    'smtpd_peername_lookup = no',
    '',
  ].join('\n'));
  // Debian's master.cf services, unchrooted, with smtpd on our port.
  const master = fs.readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const f = l.split(/\s+/);
      if (!/^\S/.test(l) || f.length < 8) return l;
      if (f[0] === 'smtp' && f[1] === 'inet') f[0] = `127.0.0.1:${port}`;
      f[4] = 'n';
      return f.join(' ');
    })
    .join('\n') + `\n127.0.0.1:${wrapperPort} inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n`;
  fs.writeFileSync(path.join(conf, 'master.cf'), master);
  const postfix = (cmd: string) => spawnSync('/usr/sbin/postfix', ['-c', conf, cmd], { encoding: 'utf8' });
  try {
    const started = postfix('start');
    if (started.status !== 0) {
      const log = fs.existsSync(`${dir}/maillog`) ? fs.readFileSync(`${dir}/maillog`, 'utf8') : '';
      throw new Error(`postfix start failed: ${started.stderr}${started.stdout}${log.split('\n').slice(-5).join('\n')}`);
    }
    // Wait until it accepts connections.
    for (let i = 0; ; i++) {
      try {
        const { client } = await RawSmtp.connect(SUBMISSIONS ? wrapperPort : port, { implicitTls: SUBMISSIONS });
        client.close();
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const listening = SUBMISSIONS ? wrapperPort : port;
    await load(listening, 'bench@bench.test').then(() => undefined, () => undefined); // warm-up
    const r = await load(listening, 'bench@bench.test');
    const rate = r.sent / r.seconds;
    console.log(`postfix ${execFileSync('/usr/sbin/postconf', ['-h', '-d', 'mail_version'], { encoding: 'utf8' }).trim()}: ${r.sent} messages in ${r.seconds.toFixed(2)} s = ${rate.toFixed(1)} msg/s`);
    printSteps('postfix', r.steps);
    return rate;
  } finally {
    postfix('stop');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same DKIM-signed message with the checks off, then on; the sender domain's SPF, DKIM and DMARC records on a loopback DNS server. */
async function benchChecks(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dns = await startDnsServer({
    zones: {
      'sender.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      'bench._domainkey.sender.test': { TXT: [txtStrings(dkimRecordValue('rsa', publicKey.export({ type: 'spki', format: 'der' }).toString('base64')))] },
      '_dmarc.sender.test': { TXT: ['v=DMARC1; p=reject'] },
    },
  });
  try {
    const plain = message(0);
    const signed = await dkimSign(plain, { signingDomain: 'sender.test', selector: 'bench', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const raw = signed.signatures + plain;
    const env = { POSTERN_DNS_SERVERS: dns.server };
    const off = await benchPostern('postern, checks off', { authChecks: false, env, raw });
    const on = await benchPostern('postern, checks on (SPF, DKIM, DMARC, ARC)', { authChecks: true, env, raw });
    const lookups = dns.queries.length;
    console.log(`checks cost: ${(1000 / on - 1000 / off).toFixed(2)} ms of throughput per message (${(off / on).toFixed(2)}x); ${lookups} DNS queries answered in total`);
  } finally {
    await dns.close();
  }
}

async function main() {
  const way = SUBMISSIONS ? 'over implicit TLS with AUTH (Postfix: without AUTH)' : PLAIN ? 'in plain text' : 'over STARTTLS';
  console.log(`bench/smtp: ${SESSIONS} parallel sessions ${way}${RECONNECT ? ', a new connection per message' : ''}${NO_CHECKS ? ', checks on arrival off' : ''}${FROM ? `, from ${FROM}` : ''}, ${MESSAGES} messages of ${SIZE} bytes, on ${os.cpus().length} CPUs; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (process.argv.includes('--checks')) return benchChecks();
  const postern = await benchPostern(NO_CHECKS ? 'postern, checks off' : 'postern', NO_CHECKS ? { authChecks: false } : {});
  const postfix = await benchPostfix();
  if (postfix) console.log(`ratio postern/postfix: ${(postern / postfix).toFixed(2)}`);
  console.log(`load at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
