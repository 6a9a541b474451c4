// Two real daemons on one database behind Debian's HAProxy (mode tcp, PROXY protocol v2 to
// every server): the load is shared, each daemon sees the client's own address (Received,
// TLS statistics, the brute-force counters shared through Postgres), and when one daemon is
// killed with -9 in the middle of a run its clients reconnect through HAProxy to the other
// without losing a message that was answered 250.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { startHaproxy, until, waitForServers, type RunningHaproxy } from '@/mail-daemon/testing/haproxy';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { RawSmtp, transcript } from '@/mail-daemon/testing/smtp';

const PASSWORD = 'Scale-Test-Password-42';
// Clients come from their own loopback addresses; HAProxy reaches the daemons from 127.0.0.1.
const CLIENT = '127.0.0.77';
const OTHER_CLIENT = '127.0.0.88';
const IMAP_CLIENT = '127.0.0.99';

let db: TestDatabase;
let haproxy: RunningHaproxy;
const daemons: { name: string; host: string; process: DaemonProcess; imaps: number; dir: string }[] = [];

async function startDaemon(name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `postern-scale-${name}-`));
  const imaps = await freePort();
  // Each daemon has its own host name, so Received says which one took a message.
  const host = `${name}.postern.test`;
  const process = await spawnDaemon(db.url, dir, {
    POSTERN_HOSTNAME: host,
    POSTERN_IMAPS_PORT: String(imaps),
    POSTERN_PROXY_PROTOCOL: '1',
    POSTERN_TRUSTED_PROXIES: '127.0.0.1/32',
  });
  return { name, host, process, imaps, dir };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'scale.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'alice@scale.test', password: PASSWORD, quota: '1G' });
  await createMailbox(db.prisma, SYSTEM, { address: 'bob@scale.test', password: PASSWORD, quota: '1G' });
  // Two failures lock an (account, address) pair, so the throttle shows in a few attempts. The
  // checks on arrival (SPF, DKIM, DMARC) are not what this file is about and would ask DNS.
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { authChecks: false, bruteForce: { maxFailures: 2, windowSeconds: 900, lockoutSeconds: 900 } } });
  daemons.push(...(await Promise.all([startDaemon('mx1'), startDaemon('mx2')])));
  haproxy = await startHaproxy([
    { name: 'mx', servers: daemons.map((d) => ({ name: d.name, port: d.process.ports.mx })) },
    { name: 'submission', servers: daemons.map((d) => ({ name: d.name, port: d.process.ports.submission })) },
    { name: 'imaps', servers: daemons.map((d) => ({ name: d.name, port: d.imaps })) },
  ]);
  await waitForServers(haproxy, (s) => s.status === 'UP');
});

afterAll(async () => {
  await haproxy?.stop();
  for (const d of daemons) if (d.process.child.exitCode === null && d.process.child.signalCode === null) d.process.child.kill('SIGTERM');
  await Promise.all(daemons.map((d) => d.process.exited));
  await db?.drop();
  for (const d of daemons) fs.rmSync(d.dir, { recursive: true, force: true });
});

/** One message over the MX port through HAProxy, STARTTLS, from `localAddress`; resolves with the 250 line. */
async function sendThroughHaproxy(tag: string, localAddress = CLIENT): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: haproxy.ports.mx,
    secure: false,
    requireTLS: true,
    localAddress,
    name: 'sender.lb',
    tls: { rejectUnauthorized: false },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 10_000,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: 'someone@sender.lb', to: ['alice@scale.test'] },
      raw: `From: someone@sender.lb\r\nTo: alice@scale.test\r\nSubject: ${tag}\r\nMessage-ID: <${tag}@sender.lb>\r\n\r\n${tag}\r\n`,
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** The messages stored in alice's INBOX with this Message-ID, with the receipt of our hop. */
async function stored(tag: string) {
  return db.prisma.$queryRaw<{ raw: Uint8Array; client_ip: string; tls_version: string | null; queue_id: string }[]>`
    SELECT b.raw, s.client_ip, s.tls_version, s.queue_id FROM smtp_receipts s
      JOIN mail_messages m ON m.blob_id = s.blob_id
      JOIN mail_folders f ON f.id = m.folder_id
      JOIN mailboxes mb ON mb.id = f.mailbox_id
      JOIN mail_blobs b ON b.id = s.blob_id
     WHERE s.message_id = ${`${tag}@sender.lb`} AND mb.address = 'alice@scale.test' AND f.name = 'INBOX'`;
}

/** Which daemon wrote our Received field ("by mx1.postern.test"), and the client address it names. */
function ourReceived(raw: Uint8Array): { by: string; from: string } {
  const m = /^Received: from sender\.lb \([^)]*\[([\d.:a-f]+)\]\)(?:\r\n\t[^\r]*)*?\r\n\tby ([\w.]+) \(Postern\)/m.exec(Buffer.from(raw).toString());
  if (!m) throw new Error(`no Received field of ours in:\n${Buffer.from(raw).toString().slice(0, 600)}`);
  return { from: m[1], by: m[2] };
}

async function submission(localAddress: string): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(haproxy.ports.submission, { localAddress });
  await transcript(client, [['EHLO client.lb', 250], ['STARTTLS', 220]]);
  await client.upgrade();
  await transcript(client, [['EHLO client.lb', 250]]);
  return client;
}

const plain = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`;

describe('two daemons behind HAProxy with PROXY protocol v2', { timeout: 60_000 }, () => {
  it('share the load and see the real client address in Received and in the TLS statistics', async () => {
    const tags = Array.from({ length: 6 }, (_, i) => `share-${i}`);
    for (const tag of tags) expect(await sendThroughHaproxy(tag)).toMatch(/^250 2\.6\.0 /);
    const by = new Set<string>();
    for (const tag of tags) {
      const rows = await stored(tag);
      expect(rows).toHaveLength(1);
      const received = ourReceived(rows[0].raw);
      expect(received.from).toBe(CLIENT);
      by.add(received.by);
      // Our hop's facts, which the TLS statistics read: the client's address and its TLS.
      expect(rows[0].client_ip).toBe(CLIENT);
      expect(rows[0].tls_version).toMatch(/^TLSv1\.[23]$/);
      expect(Buffer.from(rows[0].raw).toString()).not.toContain('[127.0.0.1]');
    }
    // The TLS statistics: each message's hop chain and the day's counts by client address.
    const chains = await db.prisma.$queryRaw<{ client_ip: string; our_tls_version: string | null }[]>`
      SELECT h.client_ip, h.our_tls_version FROM tls_hop_chains h JOIN smtp_receipts s ON s.queue_id = h.queue_id
       WHERE s.message_id LIKE 'share-%'`;
    expect(chains).toHaveLength(tags.length);
    for (const c of chains) expect(c).toEqual({ client_ip: CLIENT, our_tls_version: expect.stringMatching(/^TLSv1\.[23]$/) });
    const daily = await db.prisma.$queryRaw<{ client_ip: string; messages: number }[]>`
      SELECT client_ip, sum(messages)::int AS messages FROM tls_daily_stats WHERE direction = 'inbound' GROUP BY client_ip`;
    expect(daily).toEqual([{ client_ip: CLIENT, messages: tags.length }]);
    // Round robin: each daemon took some of them.
    expect([...by].sort()).toEqual(['mx1.postern.test', 'mx2.postern.test']);
    const mx = (await haproxy.servers()).filter((s) => s.backend === 'mx');
    for (const s of mx) expect(s.sessions).toBeGreaterThan(0);
    // The daemons' own logs say the same address.
    for (const d of daemons) expect(d.process.output.some((l) => l.includes('"smtp message"') && l.includes(`"ip":"${CLIENT}"`))).toBe(true);
  });

  it('a client reaching a daemon directly, not through a trusted proxy, is dropped without a word', async () => {
    const socket = net.connect({ port: daemons[0].process.ports.mx, host: '127.0.0.1', localAddress: CLIENT });
    let received = '';
    socket.on('data', (d) => (received += d));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toBe('');
  });

  it('failed AUTH through HAProxy throttles the client address, not HAProxy’s; another address still logs in', async () => {
    const attacker = await submission(CLIENT);
    expect((await attacker.cmd(plain('alice@scale.test', 'wrong-1'))).code).toBe(535);
    expect((await attacker.cmd(plain('alice@scale.test', 'wrong-2'))).code).toBe(535);
    // The pair (alice, 127.0.0.77) is locked now: even the right password is refused at once.
    const refused = await attacker.cmd(plain('alice@scale.test', PASSWORD));
    expect([refused.code, refused.text.slice(0, 5)]).toEqual([454, '4.7.0']);
    attacker.close();

    const rows = await db.prisma.$queryRaw<{ key: string; failures: number; locked: boolean }[]>`
      SELECT key, failures, locked_until IS NOT NULL AND locked_until > now() AS locked FROM auth_throttle ORDER BY key`;
    expect(rows.find((r) => r.key === `mail:account-ip:alice@scale.test|${CLIENT}`)).toMatchObject({ locked: true });
    expect(rows.find((r) => r.key === `mail:ip:${CLIENT}`)?.failures).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.key.includes('127.0.0.1'))).toEqual([]);

    // The lock lives in Postgres: IMAP on both daemons (two connections, round robin) refuses the pair too.
    for (let i = 0; i < 2; i++) {
      const imap = await WireClient.connect(haproxy.ports.imaps, { tls: true, localAddress: CLIENT });
      await imap.line();
      const res = await imap.command(`a LOGIN alice@scale.test "${PASSWORD}"`);
      expect(res[res.length - 1]).toMatch(/^a NO/);
      imap.close();
    }

    // Another address behind the same HAProxy is not locked out (it waits the account's slow-down, then gets in).
    const owner = await submission(OTHER_CLIENT);
    expect((await owner.cmd(plain('alice@scale.test', PASSWORD))).code).toBe(235);
    await transcript(owner, [['MAIL FROM:<alice@scale.test>', 250], ['RCPT TO:<bob@scale.test>', 250], ['DATA', 354]]);
    expect((await owner.cmd('Subject: from the owner\r\nMessage-ID: <owner@scale.test>\r\n\r\nhello bob\r\n.')).code).toBe(250);
    await owner.cmd('QUIT');
    owner.close();

    // IMAP login over TLS from a third address.
    const imap = await WireClient.connect(haproxy.ports.imaps, { tls: true, localAddress: IMAP_CLIENT });
    await imap.line();
    const res = await imap.command(`a LOGIN bob@scale.test "${PASSWORD}"`);
    expect(res[res.length - 1]).toMatch(/^a OK/);
    imap.close();

    // The TLS statistics of client logins name the real addresses (written after the login, so polled).
    let logins: { service: string; client_ip: string; tls_version: string; address: string }[] = [];
    await until(async () => {
      logins = await db.prisma.$queryRaw`
        SELECT t.service, t.client_ip, t.tls_version, mb.address FROM tls_client_logins t JOIN mailboxes mb ON mb.id = t.mailbox_id`;
      return logins.length >= 2;
    }, 10_000, () => `tls_client_logins: ${JSON.stringify(logins)}`);
    expect(logins).toContainEqual(expect.objectContaining({ service: 'submission', client_ip: OTHER_CLIENT, address: 'alice@scale.test', tls_version: expect.stringMatching(/^TLSv1\.[23]$/) }));
    expect(logins).toContainEqual(expect.objectContaining({ service: 'imap', client_ip: IMAP_CLIENT, address: 'bob@scale.test' }));
    expect(logins.filter((l) => l.client_ip === '127.0.0.1')).toEqual([]);
  });

  it('kill -9 of one daemon mid-run: clients retry through HAProxy on the other, every acknowledged message stored exactly once', async () => {
    const victim = daemons[0];
    const survivor = daemons[1];
    const SENDERS = 4;
    const PER_SENDER = 12;
    // Every attempt has its own Message-ID, so what was stored can be told apart from what was acknowledged.
    const attempts: { message: string; tag: string; started: number; acked: boolean; error?: string }[] = [];
    let killedAt = Infinity;
    let heldAcked = '';
    let ackedCount = 0;

    const sender = async (s: number) => {
      for (let i = 0; i < PER_SENDER; i++) {
        const message = `run-${s}-${i}`;
        for (let j = 0; ; j++) {
          if (j === 10) throw new Error(`${message}: no 250 after 10 attempts: ${attempts.filter((a) => a.message === message).map((a) => a.error).join('; ')}`);
          const attempt: (typeof attempts)[number] = { message, tag: `${message}-try-${j}`, started: Date.now(), acked: false };
          attempts.push(attempt);
          try {
            const response = await sendThroughHaproxy(attempt.tag);
            expect(response).toMatch(/^250 /);
            attempt.acked = true;
            ackedCount++;
            break;
          } catch (err) {
            // A connection reset by the dying daemon or a 4xx: the client tries again, as an MTA would.
            attempt.error = (err as Error).message;
          }
        }
      }
    };

    // A session held open in the middle of DATA on the victim, so at least one transaction is cut by the kill.
    const killer = async () => {
      await until(async () => ackedCount >= 10, 30_000, 'the senders made no progress');
      let held: RawSmtp | null = null;
      for (let i = 0; i < 10 && !held; i++) {
        const { client, greeting } = await RawSmtp.connect(haproxy.ports.mx, { localAddress: CLIENT });
        if (greeting.text.startsWith(victim.host)) held = client;
        else client.close();
      }
      if (!held) throw new Error('round robin never gave a connection to the victim');
      await transcript(held, [['EHLO held.lb', 250], ['MAIL FROM:<someone@sender.lb>', 250], ['RCPT TO:<alice@scale.test>', 250], ['DATA', 354]]);
      held.write('Subject: held\r\nMessage-ID: <held-try-0@sender.lb>\r\n\r\nhalf a mess');
      killedAt = Date.now();
      victim.process.child.kill('SIGKILL');
      expect(await held.closed()).toBe(true);
      // The held message, sent again until it has its 250, as an MTA would: until HAProxy's
      // health check marks the victim down, a connection may still be given to it and dropped.
      for (let j = 1; ; j++) {
        if (j === 10) throw new Error('the held message got no 250 after 10 attempts');
        const response = await sendThroughHaproxy(`held-try-${j}`).catch(() => null);
        if (response) {
          expect(response).toMatch(/^250 /);
          heldAcked = `held-try-${j}`;
          break;
        }
      }
    };

    await Promise.all([...Array.from({ length: SENDERS }, (_, s) => sender(s)), killer()]);
    expect(await victim.process.exited).toBe(null);
    expect(victim.process.child.signalCode).toBe('SIGKILL');

    // HAProxy's health checks took the victim out of every backend.
    await waitForServers(haproxy, (s) => (s.server === victim.name ? s.status.startsWith('DOWN') : s.status === 'UP'));

    const acked = attempts.filter((a) => a.acked);
    expect(acked).toHaveLength(SENDERS * PER_SENDER);
    const byDaemon = { before: new Set<string>(), after: new Set<string>() };
    for (const a of acked) {
      const rows = await stored(a.tag);
      expect(rows, a.tag).toHaveLength(1);
      const received = ourReceived(rows[0].raw);
      expect(received.from).toBe(CLIENT);
      byDaemon[a.started > killedAt ? 'after' : 'before'].add(received.by);
    }
    // Both took mail before the kill; only the survivor after it.
    expect([...byDaemon.before].sort()).toEqual(['mx1.postern.test', 'mx2.postern.test']);
    expect([...byDaemon.after]).toEqual([survivor.host]);
    expect(acked.filter((a) => a.started > killedAt).length).toBeGreaterThan(0);
    // An attempt without its 250 is stored at most once (the daemon may have committed it as it died).
    for (const a of attempts.filter((x) => !x.acked)) expect((await stored(a.tag)).length, a.tag).toBeLessThanOrEqual(1);
    // The transaction cut in the middle of DATA left nothing; the retry that got its 250 is there once.
    expect(await stored('held-try-0')).toHaveLength(0);
    expect(await stored(heldAcked)).toHaveLength(1);
    console.log(
      `haproxy kill -9: ${acked.length} messages acknowledged (${acked.filter((a) => a.started > killedAt).length} sent after the kill), ` +
        `${attempts.length - acked.length} attempts failed and retried ` +
        `(${attempts.filter((a) => !a.acked).map((a) => a.error?.slice(0, 60)).join(' | ') || 'none'})`,
    );
  });
});
