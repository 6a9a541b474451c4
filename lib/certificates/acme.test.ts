import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { activateCertificate } from './activate-certificate';
import { requestAcmeCertificate } from './acme';
import { runRenewalPass } from './renew';
import { startPebble, type Pebble } from '@/mail-daemon/testing/pebble';
import { CLI, openssl, tmpDir, useTestEnv, write } from '@/mail-daemon/testing/certificates';
import { pemBlocks, DAY_MS } from './x509';

// Real ACME issuance against Debian's pebble: pebble resolves every name to
// 127.0.0.1 and fetches http://<name>:<httpPort>/.well-known/acme-challenge/<token>
// from a server that runs the panel's own route handler (app/.well-known/...).

let t: TestDatabase;
let pebble: Pebble;
let server: http.Server;
const fetched: string[] = [];

beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  const { GET } = await import('@/app/.well-known/acme-challenge/[token]/route');
  server = http.createServer(async (req, res) => {
    fetched.push(req.url ?? '');
    const m = (req.url ?? '').match(/^\/\.well-known\/acme-challenge\/([^/?]+)$/);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const answer = await GET(new Request(`http://${req.headers.host}${req.url}`), { params: Promise.resolve({ token: m[1] }) });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  pebble = await startPebble((server.address() as AddressInfo).port);
  process.env.POSTERN_ACME_CA_FILE = pebble.tlsCaFile;
}, 60_000);

afterAll(async () => {
  await pebble?.stop();
  server?.close();
  await t?.drop();
});

describe('ACME (RFC 8555) against pebble', () => {
  it('issues a certificate for two names with HTTP-01 answered by the panel route, and openssl verifies it against pebble\'s root', async () => {
    const issued = await requestAcmeCertificate(t.prisma, CLI, { hosts: ['mail.acme.test', 'imap.acme.test'], email: 'admin@acme.test', directoryUrl: pebble.directoryUrl });
    expect(issued.hosts).toEqual(['mail.acme.test', 'imap.acme.test']);
    expect(issued.checks.every((c) => c.ok)).toBe(true);
    // Pebble really fetched the challenges from our route.
    expect(fetched.filter((u) => u.startsWith('/.well-known/acme-challenge/')).length).toBeGreaterThanOrEqual(2);
    // Challenges are removed once answered.
    expect(await t.prisma.acmeChallenge.count()).toBe(0);
    const row = await t.prisma.certificate.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row).toMatchObject({ source: 'ACME', status: 'PENDING', acmeDirectoryUrl: pebble.directoryUrl, acmeEmail: 'admin@acme.test' });
    const account = await t.prisma.acmeAccount.findFirstOrThrow();
    expect(account.accountUrl).toMatch(/^https:\/\/127.0.0.1/);
    expect(account.keySealed).not.toContain('PRIVATE');

    const roots = await new Promise<string>((resolve, reject) => {
      https.get(`${pebble.managementUrl}/roots/0`, { ca: fs.readFileSync(pebble.tlsCaFile) }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const [leaf, ...chain] = pemBlocks(row.certPem!);
    const dir = tmpDir();
    const v = openssl(['verify', '-purpose', 'sslserver', '-CAfile', write(dir, 'root.pem', roots), '-untrusted', write(dir, 'chain.pem', chain.join('')), write(dir, 'leaf.pem', leaf)]);
    expect(v.out).toMatch(/leaf.pem: OK/);
    expect(openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', `${dir}/leaf.pem`]).out).toMatch(/DNS:mail.acme.test, DNS:imap.acme.test/);
  });

  it('refuses a token it does not know (404), and renews an ACME certificate automatically before expiry', async () => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/acme-challenge/unknown-token`);
    expect(res.status).toBe(404);

    const issued = await requestAcmeCertificate(t.prisma, CLI, { hosts: ['renew.acme.test'], email: 'admin@acme.test', directoryUrl: pebble.directoryUrl });
    await activateCertificate(t.prisma, CLI, issued.id);
    // Pretend time passed: within renewDaysBefore (default 30) of notAfter.
    const report = await runRenewalPass(t.prisma, { now: new Date(issued.notAfter.getTime() - 10 * DAY_MS) });
    expect(report!.failed).toEqual([]);
    expect(report!.renewed.map((r) => r.oldId)).toContain(issued.id);
    const fresh = await t.prisma.certificate.findFirstOrThrow({ where: { renewedFromId: issued.id } });
    expect(fresh).toMatchObject({ source: 'ACME', status: 'ACTIVE', hosts: ['renew.acme.test'] });
    expect((await t.prisma.certificate.findUniqueOrThrow({ where: { id: issued.id } })).status).toBe('RETIRED');
    const audit = await t.prisma.auditLog.findMany({ where: { target: issued.id, action: { in: ['certificate.renew', 'certificate.expiry_warning'] } } });
    expect(audit.map((a) => a.action).sort()).toEqual(['certificate.expiry_warning', 'certificate.renew']);
  });
});
