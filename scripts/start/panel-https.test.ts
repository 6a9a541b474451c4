// The panel's HTTPS port on real sockets against a real database: the certificate chosen by
// SNI from the certificates table, an activation served to the next handshake (NOTIFY), the
// mail ports' TLS floor and suites (TLS 1.1 and CBC refused), and plain HTTP's 308 to HTTPS
// with the ACME http-01 path left on HTTP.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateCertificate } from '@/lib/certificates/activate-certificate';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { createPrisma } from '@/lib/db/prisma';
import { createLogger } from '@/lib/log';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { TEST_MASTER_KEY } from '@/mail-daemon/testing/daemon';
import { openPanelHttps, redirectToHttps, type PanelHttps } from './panel-https';

const CLI = { kind: 'cli', user: 'test' } as const;
let db: TestDatabase;
let panel: PanelHttps;
let port: number;
let plain: http.Server;
let plainPort: number;
const fingerprints: Record<string, string | null> = {};

/** What a fresh `openssl s_client` is served (asynchronous: the server runs in this process). */
async function sClientFingerprint(servername: string): Promise<string | null> {
  const script = `openssl s_client -connect 127.0.0.1:${port} -servername ${servername} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`;
  const { stdout } = await promisify(execFile)('sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 }).catch(() => ({ stdout: '' }));
  return /Fingerprint=([0-9A-F:]+)/.exec(stdout)?.[1] ?? null;
}

/** A raw HTTP/1.1 request with the Host header a client would send (fetch will not set it). */
function get(portNumber: number, method: string, path: string, host: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: portNumber, method, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '<Autodiscover/>' : undefined);
  });
}

function handshake(options: tls.ConnectionOptions): Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'panel.example.test', ...options });
    socket.once('secureConnect', () => {
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.destroy();
    });
    socket.once('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

beforeAll(async () => {
  // Keys are sealed with the master key the server unseals them with.
  process.env.POSTERN_SECRET = TEST_MASTER_KEY;
  db = await createTestDatabase();
  await createCa(db.prisma, CLI, { commonName: 'Panel HTTPS Test CA' });
  for (const hosts of [['mta-sts.example.test', 'autoconfig.example.test'], ['panel.example.test']]) {
    const issued = await issueServerCertificate(db.prisma, CLI, { hosts });
    await activateCertificate(db.prisma, CLI, issued.id);
    fingerprints[hosts[0]] = issued.fingerprintSha256;
  }
  panel = await openPanelHttps({
    databaseUrl: db.url,
    masterKey: TEST_MASTER_KEY,
    hostname: 'panel.example.test',
    log: createLogger('test', 'silent'),
    handler: (req, res) => res.end(`served ${req.url}`),
  });
  await new Promise<void>((resolve) => panel.server.listen(0, '127.0.0.1', resolve));
  port = (panel.server.address() as AddressInfo).port;
  plain = http.createServer((req, res) => {
    if (!redirectToHttps(req, res, port, 'panel.example.test')) res.end(`next answered ${req.url}`);
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainPort = (plain.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  plain?.close();
  panel?.server.close();
  await panel?.close();
  await db?.drop();
});

describe('the panel over HTTPS', () => {
  it('serves the certificate each SNI name (in any case) is covered by, and the panel answers through it', async () => {
    expect(fingerprints['mta-sts.example.test']).toBeTruthy();
    expect(await sClientFingerprint('mta-sts.example.test')).toBe(fingerprints['mta-sts.example.test']);
    expect(await sClientFingerprint('AUTOCONFIG.example.test')).toBe(fingerprints['mta-sts.example.test']);
    expect(await sClientFingerprint('panel.example.test')).toBe(fingerprints['panel.example.test']);
    const res = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', servername: 'mta-sts.example.test', rejectUnauthorized: false }, () => socket.write('GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\nConnection: close\r\n\r\n'));
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
    });
    expect(res).toMatch(/^HTTP\/1\.1 200/);
    expect(res).toMatch(/served \/\.well-known\/mta-sts\.txt$/);
  });

  it('an activated certificate is served to the next handshake, without a restart', async () => {
    const fresh = await issueServerCertificate(db.prisma, CLI, { hosts: ['mta-sts.example.test'], keySpec: 'rsa-3072' });
    const t0 = Date.now();
    await activateCertificate(db.prisma, CLI, fresh.id);
    await expect.poll(() => sClientFingerprint('mta-sts.example.test'), { timeout: 5000, interval: 50 }).toBe(fresh.fingerprintSha256);
    console.log('panel HTTPS: new certificate served after activate (ms):', Date.now() - t0);
    expect(await sClientFingerprint('panel.example.test')).toBe(fingerprints['panel.example.test']);
  });

  it('lives through the database terminating its connections, and serves a certificate activated afterwards', async () => {
    const admin = db.pool(1);
    try {
      // Its pool's idle connections and its LISTEN connection are all ended by the server.
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    } finally {
      await admin.end();
    }
    // This test's own connections were ended too: the activation goes through new ones.
    const prisma = createPrisma(db.url, 1);
    try {
      const fresh = await issueServerCertificate(prisma, CLI, { hosts: ['mta-sts.example.test'] });
      await activateCertificate(prisma, CLI, fresh.id);
      await expect.poll(() => sClientFingerprint('mta-sts.example.test'), { timeout: 15_000, interval: 100 }).toBe(fresh.fingerprintSha256);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses TLS 1.1 and CBC suites; serves TLS 1.2 AEAD and TLS 1.3', async () => {
    const old = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(old.ok).toBe(false);
    // The server's protocol_version alert (RFC 8446 §6.2), not a client unable to offer TLS 1.1.
    expect(old.ok ? '' : old.error).toMatch(/alert protocol version/i);
    expect((await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA' })).ok).toBe(false);
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: expect.stringMatching(/GCM|CHACHA20/) });
    expect(await handshake({})).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });
});

describe('plain HTTP while HTTPS is on', () => {
  it('answers 308 to the same path over HTTPS, for GET and POST alike', async () => {
    expect(await get(plainPort, 'GET', '/mailboxes?x=1', 'panel.example.test')).toMatchObject({ status: 308, location: `https://panel.example.test:${port}/mailboxes?x=1` });
    expect(await get(plainPort, 'POST', '/autodiscover/autodiscover.xml', 'autodiscover.example.test:80')).toMatchObject({
      status: 308,
      location: `https://autodiscover.example.test:${port}/autodiscover/autodiscover.xml`,
    });
  });

  it('keeps ACME http-01 challenges on HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${plainPort}/.well-known/acme-challenge/tok-123`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('next answered /.well-known/acme-challenge/tok-123');
  });

  it('a Host header that is not a host name redirects to POSTERN_HOSTNAME', () => {
    const res = { writeHead: (status: number, headers: Record<string, string>) => Object.assign(res, { status, headers }), end: () => {} } as unknown as http.ServerResponse & { status: number; headers: Record<string, string> };
    expect(redirectToHttps({ url: '/x', headers: { host: 'evil.example/@x' } } as http.IncomingMessage, res, 443, 'panel.example.test')).toBe(true);
    expect(res.headers.location).toBe('https://panel.example.test/x');
  });
});
