// DKIM signing end to end: the daemon as a child process signs what alice submits on 587 and
// what an alias forwards off-site, delivers it to an smtp-server sink on 127.0.0.5 found through
// the loopback DNS server, and dkimpy (an independent verifier) checks the signature against the
// key record it fetches from that same DNS server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createAlias } from '@/lib/aliases';
import { activateDkimKey, checkDkimDns, generateDkimKey, type DkimKeyView } from '@/lib/dkim';
import { createResolver } from '@/lib/dns/resolver';
import { updatePolicy } from '@/lib/policy';
import { spawnDaemon, TEST_MASTER_KEY, type DaemonProcess } from '../testing/daemon';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { PASSWORD, seedDirectory } from '../testing/directory';
import { startDnsServer, type RunningDnsServer, type Zones } from '../testing/dns-server';
import { RawSmtp, transcript } from '../testing/smtp';
import { startSmtpSink, type RunningSink } from '../testing/smtp-sink';
import { dkimpyVerify } from '../testing/dkimpy';


let db: TestDatabase;
let dataDir: string;
let dns: RunningDnsServer;
let sink: RunningSink;
let daemon: DaemonProcess;
const zones: Zones = {
  'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
  'mx.remote.test': { A: ['127.0.0.5'] },
};

const dkimpy = (raw: Buffer) => dkimpyVerify(raw, dns.server);

/** A key generated, its record published in the test zone, checked and activated, as an admin would. */
async function publishAndActivate(domain: string, type: 'rsa' | 'ed25519', selector: string): Promise<DkimKeyView> {
  const key = await generateDkimKey(db.prisma, SYSTEM, { domain, type, selector });
  zones[key.record.name] = { TXT: [key.record.strings] };
  dns.set(zones);
  const resolver = createResolver({ servers: [dns.server], timeoutMs: 2_000 });
  expect((await checkDkimDns(db.prisma, SYSTEM, { domain, selector }, resolver)).status).toBe('found');
  await activateDkimKey(db.prisma, SYSTEM, { domain, selector });
  return key;
}

function submit(user: string, to: string, subject: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port: daemon.ports.submission, secure: false, requireTLS: true,
    tls: { rejectUnauthorized: false }, auth: { user, pass: PASSWORD },
  });
  return transport.sendMail({ from: user, to, subject, text: `body of ${subject}\n\n-- \nsignature line  with  spaces \n` });
}

async function arrived(subject: string): Promise<Buffer> {
  await expect.poll(() => sink.transactions.some((t) => t.raw.includes(`Subject: ${subject}`)), { timeout: 20_000 }).toBe(true);
  return sink.transactions.find((t) => t.raw.includes(`Subject: ${subject}`))!.raw;
}

/** Waits for the daemon to log that it reloaded its keys (NOTIFY on CHANNELS.dkim). */
async function keysReloaded(count: number): Promise<void> {
  await expect.poll(() => daemon.output.filter((l) => l.includes('"dkim keys changed"')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDirectory(db.prisma);
  // The checks on arrival judge strangers' mail, which is not what this file is about.
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { authChecks: false } });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-dkim-'));
  process.env.POSTERN_SECRET = TEST_MASTER_KEY; // the daemon unseals what this process seals
  dns = await startDnsServer({ zones });
  sink = await startSmtpSink({ host: '127.0.0.5' });
  await publishAndActivate('example.test', 'rsa', 'r1');
  await publishAndActivate('other.test', 'ed25519', 'e1');
  daemon = await spawnDaemon(db.url, dataDir, { POSTERN_DNS_SERVERS: dns.server, POSTERN_OUTBOUND_PORT: String(sink.port) });
}, 60_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) daemon.child.kill('SIGTERM');
  await daemon?.exited;
  await Promise.all([sink?.close(), dns?.close()]);
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('DKIM signing in the daemon', { timeout: 60_000 }, () => {
  it('RSA: a submission is signed with the From domain\'s key, From oversigned; dkimpy verifies it', async () => {
    await submit('alice@example.test', 'bob@remote.test', 'rsa signed');
    const raw = await arrived('rsa signed');
    const v = await dkimpy(raw);
    expect(v).toMatchObject({ ok: true, d: 'example.test', s: 'r1', a: 'rsa-sha256' });
    expect(v.h.filter((h) => h === 'from')).toHaveLength(2);
    expect(v.h).toEqual(expect.arrayContaining(['to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding']));
    expect(raw.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;/m);
    // A second From added on the way (above the signed one) breaks the signature.
    const forged = Buffer.concat([Buffer.from('From: ceo@example.test\r\n'), raw]);
    expect((await dkimpy(forged)).ok).toBe(false);
  });

  it('Ed25519 (RFC 8463): a user of another domain is signed with that domain\'s key; dkimpy verifies it', async () => {
    await submit('carol@other.test', 'bob@remote.test', 'ed25519 signed');
    const v = await dkimpy(await arrived('ed25519 signed'));
    expect(v).toMatchObject({ ok: true, d: 'other.test', s: 'e1', a: 'ed25519-sha256' });
  });

  it('a header From of another of our domains that the user may not send as: signed with the user\'s own domain', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: daemon.ports.submission, secure: false, requireTLS: true,
      tls: { rejectUnauthorized: false }, auth: { user: 'alice@example.test', pass: PASSWORD },
    });
    await transport.sendMail({ envelope: { from: 'alice@example.test', to: 'bob@remote.test' }, from: 'carol@other.test', to: 'bob@remote.test', subject: 'not carol', text: 'hi' });
    expect(await dkimpy(await arrived('not carol'))).toMatchObject({ ok: true, d: 'example.test', s: 'r1' });
  });

  it('a header From of another of our domains that the user may send as (an alias there): signed with that domain\'s key', async () => {
    await createAlias(db.prisma, SYSTEM, { source: 'alice@other.test', destinations: ['alice@example.test'] });
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: daemon.ports.submission, secure: false, requireTLS: true,
      tls: { rejectUnauthorized: false }, auth: { user: 'alice@example.test', pass: PASSWORD },
    });
    await transport.sendMail({ envelope: { from: 'alice@example.test', to: 'bob@remote.test' }, from: 'alice@other.test', to: 'bob@remote.test', subject: 'alice of other', text: 'hi' });
    expect(await dkimpy(await arrived('alice of other'))).toMatchObject({ ok: true, d: 'other.test', s: 'e1', a: 'ed25519-sha256' });
  });

  it('a message that cannot be signed (no From) is accepted and delivered unsigned, the failure logged', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: daemon.ports.submission, secure: false, requireTLS: true,
      tls: { rejectUnauthorized: false }, auth: { user: 'alice@example.test', pass: PASSWORD },
    });
    await transport.sendMail({ envelope: { from: 'alice@example.test', to: 'bob@remote.test' }, raw: 'To: bob@remote.test\r\nSubject: no author\r\n\r\nbody\r\n' });
    const raw = await arrived('no author');
    expect(raw.toString('latin1')).not.toMatch(/DKIM-Signature/i);
    expect(daemon.output.some((l) => l.includes('"dkim signing failed: accepted unsigned"'))).toBe(true);
  });

  it('an alias forwarding off-site: signed with the alias\'s domain', async () => {
    const { client } = await RawSmtp.connect(daemon.ports.mx);
    await transcript(client, [['EHLO sender.example', 250], ['MAIL FROM:<someone@sender.example>', 250], ['RCPT TO:<team@example.test>', 250], ['DATA', 354]]);
    const body = 'From: Someone <someone@sender.example>\r\nTo: team@example.test\r\nSubject: forwarded on\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\nMessage-ID: <fw1@sender.example>\r\n\r\nhello team\r\n.';
    expect((await client.cmd(body)).code).toBe(250);
    await client.cmd('QUIT');
    const v = await dkimpy(await arrived('forwarded on'));
    expect(v).toMatchObject({ ok: true, d: 'example.test', s: 'r1' });
  });

  it('rotation reaches the running daemon through NOTIFY: the next message is signed with the new key', async () => {
    const before = daemon.output.filter((l) => l.includes('"dkim keys changed"')).length;
    await publishAndActivate('example.test', 'ed25519', 'r2');
    await keysReloaded(before + 2); // generate, then activate
    await submit('alice@example.test', 'bob@remote.test', 'after rotation');
    expect(await dkimpy(await arrived('after rotation'))).toMatchObject({ ok: true, d: 'example.test', s: 'r2', a: 'ed25519-sha256' });
  });
});
