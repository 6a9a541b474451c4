// Outbound delivery end to end, with real parts on loopback: the daemon as a child process
// finds remote MX hosts through a DNS server on 127.0.0.1, delivers to smtp-server sinks on
// 127.0.0.2, 127.0.0.3 and 127.0.0.11 (one that offers no DSN) with certificates from a test CA (trusted through
// NODE_EXTRA_CA_CERTS, as an operator would add a private CA), and fetches MTA-STS
// policies over HTTPS from 127.0.0.9:443.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { bounceNow, listQueue } from '@/lib/queue';
import { spawnDaemon, type DaemonProcess } from '../testing/daemon';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { PASSWORD, seedDirectory } from '../testing/directory';
import { startDnsServer, type RunningDnsServer } from '../testing/dns-server';
import { RawSmtp, transcript } from '../testing/smtp';
import { createTestCa, selfSigned, startSmtpSink, type RunningSink, type TestCa } from '../testing/smtp-sink';

let db: TestDatabase;
let dataDir: string;
let dns: RunningDnsServer;
let ca: TestCa;
let sink: RunningSink;
let untrusted: RunningSink;
let noDsn: RunningSink;
let sts: https.Server;
const daemons: DaemonProcess[] = [];

const FAST_RETRIES = { retryBaseSeconds: 1, retryMaxSeconds: 2 };

const STS_POLICY = (mx: string) => `version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;

async function start(env: Record<string, string> = {}): Promise<DaemonProcess> {
  const d = await spawnDaemon(db.url, dataDir, {
    POSTERN_DNS_SERVERS: dns.server,
    POSTERN_OUTBOUND_PORT: String(sink.port),
    NODE_EXTRA_CA_CERTS: path.join(dataDir, 'test-ca.pem'),
    ...env,
  });
  daemons.push(d);
  return d;
}

async function stop(d: DaemonProcess): Promise<void> {
  if (d.child.exitCode === null) d.child.kill('SIGTERM');
  await d.exited;
}

function submit(d: DaemonProcess, to: string | string[], subject: string, extra: Record<string, unknown> = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port: d.ports.submission, secure: false, requireTLS: true,
    tls: { rejectUnauthorized: false }, auth: { user: 'alice@example.test', pass: PASSWORD },
  });
  return transport.sendMail({ from: 'alice@example.test', to, subject, text: `body of ${subject}`, ...extra });
}

async function statusOf(rcpt: string): Promise<string | undefined> {
  const r = await db.prisma.outboundMessage.findFirst({ where: { rcpt }, orderBy: { createdAt: 'desc' } });
  return r?.status;
}

async function inboxOf(address: string): Promise<Buffer[]> {
  const rows = await db.prisma.$queryRaw<{ raw: Uint8Array }[]>`
    SELECT b.raw FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id
      JOIN mail_blobs b ON b.id = m.blob_id WHERE mb.address = ${address} AND f.name = 'INBOX' ORDER BY m.uid`;
  return rows.map((r) => Buffer.from(r.raw));
}

/** Alice's INBOX messages that report on this recipient (RFC 3464 Final-Recipient). */
async function noticesAbout(rcpt: string): Promise<Buffer[]> {
  const field = new RegExp(`^Final-Recipient: rfc822; ?${rcpt.replace(/\./g, '\\.')}\r?$`, 'im');
  return (await inboxOf('alice@example.test')).filter((raw) => field.test(raw.toString()));
}

/** RFC 3464 §2.1: groups of header-style fields separated by blank lines (lowercase names, unfolded values). */
function fieldGroups(text: string): Array<Record<string, string>> {
  return text.replace(/\r\n$/, '').split(/\r\n\r\n/).map((group) => {
    const fields: Record<string, string> = {};
    for (const line of group.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
      const colon = line.indexOf(':');
      fields[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim().replace(/\s+/g, ' ');
    }
    return fields;
  });
}

/** A notice parsed back with mailparser: an RFC 6522 multipart/report with its delivery-status fields. */
async function parseReport(raw: Buffer) {
  const mail = await simpleParser(raw, { keepDeliveryStatus: true });
  expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
  const status = mail.attachments.find((a) => a.contentType === 'message/delivery-status');
  expect(status, 'a message/delivery-status part').toBeDefined();
  const [perMessage, ...recipients] = fieldGroups(status!.content.toString('latin1'));
  const returned = mail.attachments.find((a) => a.contentType === 'message/rfc822' || a.contentType === 'text/rfc822-headers');
  return { mail, perMessage, recipients, returned, text: (mail.text ?? '').replace(/\s+/g, ' ') };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  // Retries a second apart, so "4xx, then success" needs no five-minute wait.
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: FAST_RETRIES });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-outbound-'));
  ca = createTestCa();
  fs.writeFileSync(path.join(dataDir, 'test-ca.pem'), ca.cert);
  const mxCert = ca.issue(['mx.remote.test', 'mx.sts.test', 'mx.bulk.test']);
  sink = await startSmtpSink({ host: '127.0.0.2', tls: mxCert });
  untrusted = await startSmtpSink({ host: '127.0.0.3', port: sink.port, tls: selfSigned(['mx.badsts.test']) });
  noDsn = await startSmtpSink({ host: '127.0.0.11', port: sink.port, tls: ca.issue(['mx.nodsn.test']), dsn: false });
  const stsCert = ca.issue(['mta-sts.sts.test', 'mta-sts.badsts.test']);
  sts = https.createServer({ key: stsCert.key, cert: stsCert.cert }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const mx = host === 'mta-sts.sts.test' ? 'mx.sts.test' : 'mx.badsts.test';
    if (req.url !== '/.well-known/mta-sts.txt') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(STS_POLICY(mx));
  });
  await new Promise<void>((resolve) => sts.listen(443, '127.0.0.9', resolve));
  dns = await startDnsServer({
    zones: {
      'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
      'mx.remote.test': { A: ['127.0.0.2'] },
      'bulk.test': { MX: [{ preference: 10, exchange: 'mx.bulk.test' }] },
      'mx.bulk.test': { A: ['127.0.0.2'] },
      'sts.test': { MX: [{ preference: 10, exchange: 'mx.sts.test' }] },
      '_mta-sts.sts.test': { TXT: ['v=STSv1; id=20261202'] },
      'mta-sts.sts.test': { A: ['127.0.0.9'] },
      'mx.sts.test': { A: ['127.0.0.2'] },
      'badsts.test': { MX: [{ preference: 10, exchange: 'mx.badsts.test' }] },
      '_mta-sts.badsts.test': { TXT: ['v=STSv1; id=1'] },
      'mta-sts.badsts.test': { A: ['127.0.0.9'] },
      'mx.badsts.test': { A: ['127.0.0.3'] },
      'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
      'nodsn.test': { MX: [{ preference: 10, exchange: 'mx.nodsn.test' }] },
      'mx.nodsn.test': { A: ['127.0.0.11'] },
    },
  });
});

afterAll(async () => {
  for (const d of daemons) if (d.child.exitCode === null) d.child.kill('SIGKILL');
  await Promise.all(daemons.map((d) => d.exited));
  await Promise.all([sink?.close(), untrusted?.close(), noDsn?.close(), dns?.close(), new Promise((r) => sts?.close(r))]);
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('one daemon delivers', { timeout: 60_000 }, () => {
  let d: DaemonProcess;
  beforeAll(async () => {
    d = await start();
  });
  afterAll(async () => stop(d));

  it('submitted on 587, found through DNS, delivered over TLS 1.3 with MTA-STS enforce verified', async () => {
    const before = sink.transactions.length;
    await submit(d, 'bob@sts.test', 'over mta-sts');
    await expect.poll(() => statusOf('bob@sts.test'), { timeout: 20_000 }).toBe('SENT');
    const got = sink.transactions.slice(before).find((t) => t.rcptTo.some((r) => r.address === 'bob@sts.test'))!;
    expect(got.tls?.protocol).toBe('TLSv1.3');
    expect(got.mailFrom).toBe('alice@example.test');
    expect(got.helo).toBe('mx.postern.test');
    expect(got.raw.toString()).toContain('Subject: over mta-sts');
    // RFC 5321 §4.4: the Return-Path our stored copy carries stays here; our Received goes on.
    expect(got.raw.toString()).not.toMatch(/^Return-Path:/im);
    expect(got.raw.toString()).toMatch(/^Received: from /m);
    const attempt = await db.prisma.outboundAttempt.findFirstOrThrow({ where: { rcpt: 'bob@sts.test' } });
    expect(attempt).toMatchObject({ outcome: 'sent', code: 250, mxHost: 'mx.sts.test', ip: '127.0.0.2', tlsVersion: 'TLSv1.3', tlsVerification: 'mta-sts', mtaSts: 'enforce' });
  });

  it('several recipients at one destination share one SMTP transaction', async () => {
    const before = sink.transactions.length;
    await submit(d, ['one@remote.test', 'two@remote.test', 'three@remote.test'], 'three at once');
    await expect.poll(async () => Promise.all(['one', 'two', 'three'].map((l) => statusOf(`${l}@remote.test`))), { timeout: 20_000 }).toEqual(['SENT', 'SENT', 'SENT']);
    const mine = sink.transactions.slice(before).filter((t) => t.raw.toString().includes('Subject: three at once'));
    expect(mine).toHaveLength(1);
    expect(mine[0].rcptTo.map((r) => r.address).sort()).toEqual(['one@remote.test', 'three@remote.test', 'two@remote.test']);
    const attempt = await db.prisma.outboundAttempt.findFirstOrThrow({ where: { rcpt: 'one@remote.test' } });
    expect(attempt.tlsVerification).toBe('pkix');
  });

  it('MTA-STS enforce and a certificate nobody vouches for: deferred, the MX receives nothing', async () => {
    await submit(d, 'victim@badsts.test', 'must not leak');
    await expect.poll(async () => (await db.prisma.outboundAttempt.count({ where: { rcpt: 'victim@badsts.test' } })) > 0, { timeout: 20_000 }).toBe(true);
    expect(await statusOf('victim@badsts.test')).toBe('DEFERRED');
    expect(untrusted.transactions).toHaveLength(0);
    const attempt = await db.prisma.outboundAttempt.findFirstOrThrow({ where: { rcpt: 'victim@badsts.test' } });
    expect(attempt).toMatchObject({ outcome: 'deferred', mtaSts: 'enforce' });
  });

  it('a 4xx, then success on the retry', async () => {
    sink.dataReply({ code: 451, text: '4.3.0 try again later' });
    await submit(d, 'patient@remote.test', 'second time lucky');
    await expect.poll(async () => (await db.prisma.outboundAttempt.count({ where: { rcpt: 'patient@remote.test' } })) > 0, { timeout: 20_000 }).toBe(true);
    expect(await statusOf('patient@remote.test')).toBe('DEFERRED');
    sink.dataReply(null);
    await expect.poll(() => statusOf('patient@remote.test'), { timeout: 20_000 }).toBe('SENT');
    const attempts = await db.prisma.outboundAttempt.findMany({ where: { rcpt: 'patient@remote.test' }, orderBy: { startedAt: 'asc' } });
    expect(attempts.map((a) => [a.outcome, a.code])).toEqual([['deferred', 451], ['sent', 250]]);
  });

  it('a 5xx comes back to the sender as an RFC 3464 report in her INBOX; the other recipient is sent', async () => {
    sink.rcptReply('nobody@remote.test', { code: 550, text: '5.1.1 no such user here' });
    const before = (await inboxOf('alice@example.test')).length;
    await submit(d, ['nobody@remote.test', 'somebody@remote.test'], 'half refused', { dsn: { id: 'env-42', return: 'headers', notify: ['failure'] } });
    await expect.poll(async () => (await inboxOf('alice@example.test')).length, { timeout: 20_000 }).toBe(before + 1);
    expect(await statusOf('nobody@remote.test')).toBe('BOUNCED');
    expect(await statusOf('somebody@remote.test')).toBe('SENT');
    const raw = (await inboxOf('alice@example.test')).at(-1)!;
    const report = await simpleParser(raw);
    expect(report.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(report.headers.get('auto-submitted')).toBe('auto-replied');
    const text = raw.toString();
    expect(text).toMatch(/Reporting-MTA: dns; ?mx\.postern\.test/);
    expect(text).toContain('Original-Envelope-Id: env-42');
    expect(text).toMatch(/Final-Recipient: rfc822; ?nobody@remote\.test/);
    expect(text).toContain('Action: failed');
    expect(text).toContain('Status: 5.1.1');
    expect(text).toMatch(/Diagnostic-Code: smtp; ?550 5\.1\.1 no such user here/);
    expect(text).toMatch(/Remote-MTA: dns; ?mx\.remote\.test/);
    // RET=HDRS: the original's header comes back, not its body.
    expect(text).toContain('text/rfc822-headers');
    expect(text).toContain('Subject: half refused');
    expect(text).not.toContain('body of half refused');
    expect(text).not.toMatch(/Final-Recipient: rfc822; ?somebody@remote\.test/);
    sink.rcptReply('nobody@remote.test', null);
  });

  it('SRS: mail an alias forwards leaves with a rewritten sender, and a bounce to it goes back to the original sender', async () => {
    const before = sink.transactions.length;
    const { client } = await RawSmtp.connect(d.ports.mx);
    await transcript(client, [['EHLO sender.test', 250], ['MAIL FROM:<stranger@sender.test>', 250], ['RCPT TO:<team@example.test>', 250], ['DATA', 354]]);
    expect((await client.cmd('Subject: forwarded\r\n\r\nvia the team alias\r\n.')).code).toBe(250);
    await expect.poll(() => sink.transactions.slice(before).find((t) => t.raw.toString().includes('Subject: forwarded')), { timeout: 20_000 }).toBeTruthy();
    const forwarded = sink.transactions.slice(before).find((t) => t.raw.toString().includes('Subject: forwarded'))!;
    expect(forwarded.rcptTo.map((r) => r.address)).toEqual(['someone@remote.test']);
    expect(forwarded.mailFrom).toMatch(/^SRS0=[^=]{4}=[A-Z2-7]{2}=sender\.test=stranger@mx\.postern\.test$/);

    // The remote server bounces to the rewritten address: we take it and pass it on.
    await transcript(client, [['RSET', 250], ['MAIL FROM:<>', 250], [`RCPT TO:<${forwarded.mailFrom}>`, 250], ['DATA', 354]]);
    expect((await client.cmd('Subject: bounce of forwarded\r\n\r\nit did not arrive\r\n.')).code).toBe(250);
    const passedOn = await db.prisma.outboundMessage.findFirst({ where: { rcpt: 'stranger@sender.test' } });
    expect(passedOn).toMatchObject({ mailFrom: '', domain: 'sender.test' });

    // A minted or altered SRS address is nobody's.
    const forged = forwarded.mailFrom.replace(/^SRS0=..../, 'SRS0=AAAA');
    await transcript(client, [['RSET', 250], ['MAIL FROM:<>', 250], [`RCPT TO:<${forged}>`, 550]]);
    client.close();
  });

  it('still deferred after the delay-warning time (4 h): one RFC 3464 "delayed" report, then no more', async () => {
    const before = (await inboxOf('alice@example.test')).length;
    // Queued five hours ago for a destination that keeps deferring (MTA-STS enforce, untrusted certificate).
    await db.prisma.$executeRawUnsafe(
      `WITH b AS (INSERT INTO mail_blobs (size, sha256, raw, mime) VALUES (0, 'x', convert_to('Subject: slow one' || chr(13) || chr(10) || chr(13) || chr(10) || 'body' || chr(13) || chr(10), 'UTF8'), '{}'::jsonb) RETURNING id)
       INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, created_at) SELECT 'SLOW1', id, 'alice@example.test', 'late@badsts.test', 'badsts.test', now() - interval '5 hours' FROM b`,
    );
    await db.prisma.$executeRawUnsafe(`SELECT pg_notify('postern_outbound', '{}')`);
    await expect.poll(async () => (await inboxOf('alice@example.test')).length, { timeout: 20_000 }).toBe(before + 1);
    const text = (await inboxOf('alice@example.test')).at(-1)!.toString();
    expect(text).toContain('report-type=delivery-status');
    expect(text).toMatch(/Final-Recipient: rfc822; ?late@badsts\.test/);
    expect(text).toContain('Action: delayed');
    expect(text).toMatch(/Will-Retry-Until: /);
    expect(await statusOf('late@badsts.test')).toBe('DEFERRED');
    // Retries continue (a second apart here) without a second notice.
    await expect.poll(() => db.prisma.outboundAttempt.count({ where: { rcpt: 'late@badsts.test' } }), { timeout: 20_000 }).toBeGreaterThan(1);
    expect((await inboxOf('alice@example.test')).length).toBe(before + 1);
    expect(untrusted.transactions).toHaveLength(0);
  });

  it('a null MX (RFC 7505) bounces at once, without a connection', async () => {
    const before = (await inboxOf('alice@example.test')).length;
    await submit(d, 'anyone@nullmx.test', 'to a null mx');
    await expect.poll(() => statusOf('anyone@nullmx.test'), { timeout: 20_000 }).toBe('BOUNCED');
    await expect.poll(async () => (await inboxOf('alice@example.test')).length, { timeout: 20_000 }).toBe(before + 1);
    expect((await inboxOf('alice@example.test')).at(-1)!.toString()).toContain('Status: 5.1.10');
    // Decided from DNS alone: the attempt names no host or address.
    const attempt = await db.prisma.outboundAttempt.findFirstOrThrow({ where: { rcpt: 'anyone@nullmx.test' } });
    expect(attempt).toMatchObject({ outcome: 'failed', enhanced: '5.1.10', mxHost: null, ip: null });
  });

  it('NOTIFY=SUCCESS to a next hop without DSN: the sender gets an RFC 3464 "relayed" report', async () => {
    await submit(d, 'glad@nodsn.test', 'relayed onward', { dsn: { id: 'env-relay', return: 'headers', notify: ['success', 'failure'] } });
    await expect.poll(() => statusOf('glad@nodsn.test'), { timeout: 20_000 }).toBe('SENT');
    // The notice is stored in the transaction that records the delivery: it is there now.
    const notices = await noticesAbout('glad@nodsn.test');
    expect(notices).toHaveLength(1);
    const report = await parseReport(notices[0]);
    expect(report.mail.subject).toBe('Successful Mail Delivery Report');
    expect(report.mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(report.perMessage).toMatchObject({ 'reporting-mta': 'dns; mx.postern.test', 'original-envelope-id': 'env-relay' });
    expect(report.recipients).toHaveLength(1);
    expect(report.recipients[0]).toMatchObject({ 'final-recipient': 'rfc822; glad@nodsn.test', action: 'relayed', 'remote-mta': 'dns; mx.nodsn.test' });
    expect(report.recipients[0].status).toMatch(/^2\.\d+\.\d+$/);
    expect(report.recipients[0]['diagnostic-code']).toMatch(/^smtp; 250 /);
    expect(report.text).toContain('does not report delivery');
    expect(report.returned?.contentType).toBe('text/rfc822-headers');
    expect(report.returned?.content.toString()).toContain('Subject: relayed onward');
    // The peer took the message without any DSN parameter: nobody after us will report.
    const got = noDsn.transactions.find((t) => t.rcptTo.some((r) => r.address === 'glad@nodsn.test'))!;
    expect(got.rcptTo[0].args).not.toHaveProperty('NOTIFY');
    expect(got.mailArgs).not.toHaveProperty('ENVID');
  });

  it('without NOTIFY=SUCCESS a next hop without DSN brings no notice (RFC 3461 §4.1: never successes by default)', async () => {
    await submit(d, 'quiet@nodsn.test', 'no news is good news');
    await expect.poll(() => statusOf('quiet@nodsn.test'), { timeout: 20_000 }).toBe('SENT');
    expect(noDsn.transactions.some((t) => t.rcptTo.some((r) => r.address === 'quiet@nodsn.test'))).toBe(true);
    expect(await noticesAbout('quiet@nodsn.test')).toHaveLength(0);
  });

  it('NOTIFY=SUCCESS to a next hop that offers DSN: the parameters go on and no notice comes from us', async () => {
    await submit(d, 'told@remote.test', 'passed on', { dsn: { id: 'env-pass', return: 'headers', notify: ['success', 'failure'] } });
    await expect.poll(() => statusOf('told@remote.test'), { timeout: 20_000 }).toBe('SENT');
    const got = sink.transactions.find((t) => t.rcptTo.some((r) => r.address === 'told@remote.test'))!;
    expect(got.rcptTo[0].args).toMatchObject({ NOTIFY: 'SUCCESS,FAILURE' });
    expect(got.mailArgs).toMatchObject({ RET: 'HDRS', ENVID: 'env-pass' });
    expect(await noticesAbout('told@remote.test')).toHaveLength(0);
  });

  it('the queue lifetime runs out: the recipient is failed and the sender gets a 4.4.7 report quoting the last reply', async () => {
    sink.rcptReply('expiring@remote.test', { code: 451, text: '4.2.1 mailbox busy, come back later' });
    try {
      await submit(d, 'expiring@remote.test', 'too old to deliver');
      await expect.poll(async () => (await db.prisma.outboundAttempt.count({ where: { rcpt: 'expiring@remote.test' } })) > 0, { timeout: 20_000 }).toBe(true);
      expect(await statusOf('expiring@remote.test')).toBe('DEFERRED');
      // The shortest lifetime the policy takes (1 hour), and the message queued just over an hour ago.
      await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { ...FAST_RETRIES, queueLifetimeHours: 1 } });
      await db.prisma.$executeRaw`UPDATE outbound_queue SET created_at = now() - interval '61 minutes' WHERE rcpt = 'expiring@remote.test'`;
      await expect.poll(() => statusOf('expiring@remote.test'), { timeout: 20_000 }).toBe('BOUNCED');
    } finally {
      await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: FAST_RETRIES });
      sink.rcptReply('expiring@remote.test', null);
    }
    const row = await db.prisma.outboundMessage.findFirstOrThrow({ where: { rcpt: 'expiring@remote.test' } });
    expect(row).toMatchObject({ lastCode: 451, lastEnhanced: '4.4.7' });
    expect(row.lastReply).toMatch(/^gave up after 1 hour in the queue: 451 4\.2\.1 mailbox busy/);
    const notices = await noticesAbout('expiring@remote.test');
    expect(notices).toHaveLength(1);
    const report = await parseReport(notices[0]);
    expect(report.mail.subject).toBe('Undelivered Mail Returned to Sender');
    expect(report.recipients[0]).toMatchObject({
      'final-recipient': 'rfc822; expiring@remote.test', action: 'failed', status: '4.4.7',
      // The remote server's words as it gave them, not ours.
      'diagnostic-code': 'smtp; 451 4.2.1 mailbox busy, come back later', 'remote-mta': 'dns; mx.remote.test',
    });
    expect(report.recipients[0]).not.toHaveProperty('will-retry-until');
    expect(report.text).toContain('Status 4.4.7: the message was too old to deliver any more');
  });

  it('never a notice for the null reverse-path: a 5xx fails the recipient and nothing goes back', async () => {
    sink.rcptReply('gone@remote.test', { code: 550, text: '5.1.1 no such user here' });
    try {
      // A bounce passed on to a remote address, queued as acceptance writes it: MAIL FROM:<>.
      await db.prisma.$executeRawUnsafe(
        `WITH b AS (INSERT INTO mail_blobs (size, sha256, raw, mime) VALUES (0, 'x', convert_to('From: MAILER-DAEMON@sender.test' || chr(13) || chr(10) || 'Subject: a bounce that bounces' || chr(13) || chr(10) || chr(13) || chr(10) || 'body' || chr(13) || chr(10), 'UTF8'), '{}'::jsonb) RETURNING id)
         INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain) SELECT 'NULLFROM1', id, '', 'gone@remote.test', 'remote.test' FROM b`,
      );
      await db.prisma.$executeRawUnsafe(`SELECT pg_notify('postern_outbound', '{}')`);
      await expect.poll(() => statusOf('gone@remote.test'), { timeout: 20_000 }).toBe('BOUNCED');
    } finally {
      sink.rcptReply('gone@remote.test', null);
    }
    const attempt = await db.prisma.outboundAttempt.findFirstOrThrow({ where: { rcpt: 'gone@remote.test' } });
    expect(attempt).toMatchObject({ outcome: 'failed', code: 550, enhanced: '5.1.1' });
    // No notice queued to anyone (it would be NULLFROM1.dsn) and none stored anywhere.
    expect(await db.prisma.outboundMessage.count({ where: { queueId: { startsWith: 'NULLFROM1' } } })).toBe(1);
    const reports = await db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM mail_blobs WHERE position(convert_to('gone@remote.test', 'UTF8') in raw) > 0`;
    expect(Number(reports[0].n)).toBe(0);
  });

  it("an administrator's bounce: the runner returns the message to its sender and it leaves the queue", async () => {
    sink.rcptReply('stuck@remote.test', { code: 452, text: '4.2.2 mailbox full' });
    try {
      await submit(d, 'stuck@remote.test', 'given up by the admin');
      await expect.poll(async () => (await db.prisma.outboundAttempt.count({ where: { rcpt: 'stuck@remote.test' } })) > 0, { timeout: 20_000 }).toBe(true);
      const { queueId } = await db.prisma.outboundMessage.findFirstOrThrow({ where: { rcpt: 'stuck@remote.test' } });
      expect(await bounceNow(db.prisma, SYSTEM, { queueId })).toMatchObject({ queueIds: [queueId], recipients: ['stuck@remote.test'] });
      await expect.poll(() => statusOf('stuck@remote.test'), { timeout: 20_000 }).toBe('BOUNCED');
      const waiting = await listQueue(db.prisma, SYSTEM, { status: ['QUEUED', 'DEFERRED'], recipientDomain: 'remote.test', limit: 500 });
      expect(waiting.messages.map((m) => m.queueId)).not.toContain(queueId);
    } finally {
      sink.rcptReply('stuck@remote.test', null);
    }
    // The last attempt is the administrator's: no connection, our own 5.0.0.
    const attempts = await db.prisma.outboundAttempt.findMany({ where: { rcpt: 'stuck@remote.test' }, orderBy: { startedAt: 'asc' } });
    expect(attempts.at(-1)).toMatchObject({ outcome: 'failed', code: null, enhanced: '5.0.0', mxHost: null });
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'deferred' && a.code === 452)).toBe(true);
    const notices = await noticesAbout('stuck@remote.test');
    expect(notices).toHaveLength(1);
    const report = await parseReport(notices[0]);
    expect(report.recipients[0]).toMatchObject({ 'final-recipient': 'rfc822; stuck@remote.test', action: 'failed', status: '5.0.0' });
    // Our decision, not a remote reply: no Diagnostic-Code, the reason in the text.
    expect(report.recipients[0]).not.toHaveProperty('diagnostic-code');
    expect(report.text).toContain('returned to the sender by the administrator');
    expect(report.returned?.content.toString()).toContain('Subject: given up by the admin');
  });
});

async function queueBulk(prefix: string, count: number): Promise<void> {
  // Straight into the queue as acceptance writes it: one stored message per queue id.
  await db.prisma.$executeRawUnsafe(
    `WITH b AS (
       INSERT INTO mail_blobs (size, sha256, raw, mime)
       SELECT 0, 'x', convert_to('From: alice@example.test' || chr(13) || chr(10) || 'Message-ID: <' || $1 || '-' || g || '@example.test>' || chr(13) || chr(10) || 'Subject: bulk ' || g || chr(13) || chr(10) || chr(13) || chr(10) || 'bulk body' || chr(13) || chr(10), 'UTF8'), '{}'::jsonb
         FROM generate_series(1, $2::int) g
       RETURNING id, convert_from(raw, 'UTF8') AS text
     )
     INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain)
     SELECT $1 || substring(text from 'bulk (\\d+)'), id, 'alice@example.test', 'list@bulk.test', 'bulk.test' FROM b`,
    prefix,
    count,
  );
  await db.prisma.$executeRawUnsafe(`SELECT pg_notify('postern_outbound', '{}')`);
}

const bulkIds = (prefix: string) =>
  sink.transactions
    .map((t) => /Message-ID: <([^>]+)>/.exec(t.raw.toString())?.[1] ?? '')
    .filter((id) => id.startsWith(`${prefix}-`));

describe('several daemons, one queue', { timeout: 180_000 }, () => {
  it('two daemons drain 1,000 messages and each is delivered exactly once', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    await queueBulk('twin', 1000);
    await expect.poll(() => db.prisma.outboundMessage.count({ where: { domain: 'bulk.test', status: 'SENT', queueId: { startsWith: 'twin' } } }), { timeout: 150_000, interval: 500 }).toBe(1000);
    const ids = bulkIds('twin');
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const byDaemon = await db.prisma.outboundAttempt.groupBy({ by: ['instanceId'], where: { queueId: { startsWith: 'twin' } }, _count: true });
    expect(byDaemon).toHaveLength(2); // both took a share
    await Promise.all([stop(a), stop(b)]);
  });

  it('kill -9 mid-delivery: after the lease expires another daemon delivers the rest; duplicates only for what was in flight', async () => {
    const lease = { POSTERN_OUTBOUND_LEASE_SECONDS: '2' };
    await queueBulk('crash', 400);
    const first = await start(lease);
    await expect.poll(() => bulkIds('crash').length, { timeout: 60_000, interval: 20 }).toBeGreaterThan(50);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await start(lease);
    await expect.poll(() => db.prisma.outboundMessage.count({ where: { queueId: { startsWith: 'crash' }, status: 'SENT' } }), { timeout: 120_000, interval: 500 }).toBe(400);
    const ids = bulkIds('crash');
    expect(new Set(ids).size).toBe(400);
    // A duplicate needs the remote's 250 and a death before our commit: at most the groups in flight (10).
    expect(ids.length - 400).toBeLessThanOrEqual(10);
    await stop(second);
  });
});
