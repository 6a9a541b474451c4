// The TLSA "3 1 1" records the DNS page lists are those of the certificate the daemon really
// serves (RFC 7671 §5.1: SHA-256 of the SubjectPublicKeyInfo), computed from the wire by openssl:
// on SMTP STARTTLS (25), submission with STARTTLS (587), submissions (465, read with Node's tls)
// and IMAPS (993); the same after a renewal that keeps the key; and, for a new key, the "next"
// record the page asked for before activation is the one the wire matches after it (RFC 7671 §8.1).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateCertificate, TLSA_MISMATCH_FIELD } from '@/lib/certificates/activate-certificate';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { runRenewalPass } from '@/lib/certificates/renew';
import { DAY_MS } from '@/lib/certificates/x509';
import { readEnv } from '@/lib/config/env';
import { expectedRecords, type ExpectedRecord } from '@/lib/dns-records';
import { CLI } from '@/mail-daemon/testing/certificates';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { TEST_MASTER_KEY, spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { publish } from '@/mail-daemon/testing/dns-records';
import { startDnsServer, type RunningDnsServer, type Zones } from '@/mail-daemon/testing/dns-server';

const MX = 'mx.postern.test';
let db: TestDatabase;
let dns: RunningDnsServer;
let dataDir: string;
let daemon: DaemonProcess;
let domainId: string;

interface Probe {
  /** The standard port the record is for (`_<port>._tcp.<host>`). */
  port: 25 | 465 | 587 | 993;
  /** `openssl s_client` arguments, or the implicit-TLS SMTP port to read with Node's tls. */
  sClient?: () => string[];
  smtps?: () => number;
}
const PROBES: Probe[] = [
  { port: 25, sClient: () => ['-connect', `127.0.0.1:${daemon.ports.mx}`, '-starttls', 'smtp'] },
  { port: 587, sClient: () => ['-connect', `127.0.0.1:${daemon.ports.submission}`, '-starttls', 'smtp'] },
  { port: 465, smtps: () => daemon.ports.submissions },
  { port: 993, sClient: () => ['-connect', `127.0.0.1:${daemon.ports.imaps}`] },
];

function openssl(args: string[], input?: Buffer | string): Buffer {
  const r = spawnSync('openssl', args, { input, timeout: 10_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

/**
 * The leaf certificate (PEM) served on submissions, read as a mail client reads it: handshake,
 * the 220 greeting, QUIT. (`s_client` with nothing to send leaves right after the handshake,
 * before the daemon has set the session up.)
 */
async function smtpsLeaf(port: number): Promise<Buffer | { error: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: MX, rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve, reject) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (/^220 /m.test(text)) resolve();
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`closed before the greeting: ${text}`)));
    });
    const der = socket.getPeerCertificate().raw;
    socket.end('QUIT\r\n');
    return Buffer.from(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
  } catch (err) {
    socket.destroy();
    return { error: (err as Error).message };
  }
}

/**
 * What a fresh connection is served: the leaf's SHA-256 fingerprint, and
 * `openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256` of it;
 * the complaint instead when no certificate came.
 */
async function onTheWire(probe: Probe): Promise<{ fingerprint: string; spkiSha256: string } | { error: string }> {
  let pem: Buffer;
  if (probe.smtps) {
    const leaf = await smtpsLeaf(probe.smtps());
    if (!Buffer.isBuffer(leaf)) return leaf;
    pem = leaf;
  } else {
    const session = spawnSync('openssl', ['s_client', ...probe.sClient!(), '-servername', MX], { input: '', timeout: 10_000 });
    if (!session.stdout.includes('-----BEGIN CERTIFICATE-----')) return { error: `${session.stderr}` };
    pem = session.stdout;
  }
  const leaf = openssl(['x509'], pem); // the first certificate s_client printed
  const fingerprint = /Fingerprint=([0-9A-F:]+)/.exec(openssl(['x509', '-noout', '-fingerprint', '-sha256'], leaf).toString())![1];
  const pubkey = openssl(['x509', '-pubkey', '-noout'], leaf);
  const der = openssl(['pkey', '-pubin', '-outform', 'DER'], pubkey);
  const digest = /([0-9a-f]{64})/.exec(openssl(['dgst', '-sha256', '-r'], der).toString())![1];
  return { fingerprint, spkiSha256: digest };
}

/** Waits (a daemon swaps its TLS contexts on NOTIFY) until every port serves `fingerprint`. */
async function servedEverywhere(fingerprint: string): Promise<Record<number, string>> {
  const deadline = Date.now() + 10_000;
  const spki: Record<number, string> = {};
  for (const probe of PROBES) {
    let seen = await onTheWire(probe);
    while (('error' in seen || seen.fingerprint !== fingerprint) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await onTheWire(probe);
    }
    if ('error' in seen) throw new Error(`port ${probe.port}: no certificate: ${seen.error}`);
    expect(seen.fingerprint, `port ${probe.port}`).toBe(fingerprint);
    spki[probe.port] = seen.spkiSha256;
  }
  return spki;
}

async function tlsaRecords(): Promise<ExpectedRecord[]> {
  const env = { ...readEnv({} as NodeJS.ProcessEnv), POSTERN_HOSTNAME: MX };
  return (await expectedRecords(db.prisma, domainId, { env })).records.filter((r) => r.kind === 'tlsa');
}

/** The `3 1 1` data the DNS page lists for a port (`tlsa:<port>`), and its "next" ones. */
function listed(records: ExpectedRecord[], port: number): { current: string; next: string[] } {
  const data = (r: ExpectedRecord) => {
    const m = /^3 1 1 ([0-9a-f]{64})$/.exec(r.value);
    expect(m, r.value).not.toBeNull();
    expect(r.name).toBe(`_${port}._tcp.${MX}`);
    return m![1];
  };
  const current = records.find((r) => r.id === `tlsa:${port}`);
  expect(current, `tlsa:${port}`).toBeDefined();
  return { current: data(current!), next: records.filter((r) => r.id.startsWith(`tlsa-next:${port}:`)).map(data) };
}

/** Publishes these TLSA records on the loopback DNS server, as the admin would. */
function publishTlsa(records: ExpectedRecord[]): void {
  const zones: Zones = {};
  for (const r of records) publish(zones, r, '127.0.0.1');
  dns.set(zones);
}

beforeAll(async () => {
  // Keys are sealed here as the daemon unseals them; activation looks TLSA up where this test publishes it.
  process.env.POSTERN_SECRET = TEST_MASTER_KEY;
  process.env.POSTERN_HOSTNAME = MX;
  dns = await startDnsServer();
  process.env.POSTERN_DNS_SERVERS = dns.server;
  db = await createTestDatabase();
  domainId = (await db.prisma.domain.create({ data: { name: 'postern.test' } })).id;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-tlsa-'));
  daemon = await spawnDaemon(db.url, dataDir, { POSTERN_DNS_SERVERS: dns.server });
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await dns?.close();
  await db?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('TLSA records and the certificate on the wire', { timeout: 120_000 }, () => {
  it('the self-signed bootstrap: each port’s listed record is the served key', async () => {
    const active = await db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    const spki = await servedEverywhere(active.fingerprintSha256!);
    const records = await tlsaRecords();
    for (const { port } of PROBES) expect(listed(records, port), `port ${port}`).toEqual({ current: spki[port], next: [] });
  });

  it('a renewal keeps the key: the record stays, the wire certificate changes and still matches it', async () => {
    await createCa(db.prisma, CLI, { commonName: 'TLSA Test CA' });
    const issued = await issueServerCertificate(db.prisma, CLI, { hosts: [MX], validityDays: 100 });
    await activateCertificate(db.prisma, CLI, issued.id); // no TLSA published yet: allowed
    const before = await servedEverywhere(issued.fingerprintSha256);
    const records = await tlsaRecords();
    for (const { port } of PROBES) expect(listed(records, port).current, `port ${port}`).toBe(before[port]);
    publishTlsa(records);

    const report = await runRenewalPass(db.prisma, { now: new Date(issued.notAfter.getTime() - 5 * DAY_MS) });
    expect(report?.failed).toEqual([]);
    const renewed = await db.prisma.certificate.findUniqueOrThrow({ where: { id: report!.renewed[0].newId } });
    expect(renewed.fingerprintSha256).not.toBe(issued.fingerprintSha256);
    const after = await servedEverywhere(renewed.fingerprintSha256!);
    const relisted = await tlsaRecords();
    for (const { port } of PROBES) {
      expect(after[port], `port ${port}`).toBe(before[port]);
      expect(listed(relisted, port), `port ${port}`).toEqual({ current: before[port], next: [] });
    }
  });

  it('a new key: its "next" record is listed before activation, refused until published, then it is what the wire serves', async () => {
    const current = await db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE', hosts: { has: MX } } });
    const served = await servedEverywhere(current.fingerprintSha256!);
    const next = await issueServerCertificate(db.prisma, CLI, { hosts: [MX], validityDays: 100 });
    const records = await tlsaRecords();
    const nextData: Record<number, string> = {};
    for (const { port } of PROBES) {
      const l = listed(records, port);
      expect(l.current, `port ${port}`).toBe(served[port]);
      expect(l.next, `port ${port}`).toHaveLength(1);
      expect(l.next[0]).not.toBe(served[port]);
      nextData[port] = l.next[0];
    }

    // DNS still has only the current records: refused, and the wire keeps the current key.
    const refused = await activateCertificate(db.prisma, CLI, next.id).catch((e) => e);
    expect(refused).toMatchObject({ code: 'conflict', field: TLSA_MISMATCH_FIELD });
    expect((await servedEverywhere(current.fingerprintSha256!))[25]).toBe(served[25]);

    publishTlsa(records); // current + next, as listed
    await activateCertificate(db.prisma, CLI, next.id);
    const after = await servedEverywhere(next.fingerprintSha256);
    const relisted = await tlsaRecords();
    for (const { port } of PROBES) {
      expect(after[port], `port ${port}`).toBe(nextData[port]);
      expect(listed(relisted, port), `port ${port}`).toEqual({ current: nextData[port], next: [] });
    }
  });
});
