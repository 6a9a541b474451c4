import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateCertificate, createCa, issueServerCertificate } from '@/lib/certificates';
import { spkiSha256 } from '@/lib/certificates/tlsa';
import { readEnv } from '@/lib/config/env';
import { expectedRecords } from '@/lib/dns-records';
import { CLI, useTestEnv } from '@/mail-daemon/testing/certificates';
import { postern as run } from '@/mail-daemon/testing/cli';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createResolver } from '@/lib/dns/resolver';
import { zonesFor } from '@/mail-daemon/testing/dns-records';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';

// `postern dns show|check`: the records to publish as zone lines, and a check a script can act
// on (exit 0 all right, 2 some record not right, 1 bad input).

let t: TestDatabase;
let tmp: string;
let dns: RunningDnsServer;
const HOST = 'mx.cli-dns.test';
let environment: Record<string, string>;

function postern(args: string[]) {
  return run(args, { cwd: tmp, env: environment });
}

beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  dns = await startDnsServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-cli-dns-'));
  environment = { DATABASE_URL: t.url, POSTERN_DATA_DIR: path.join(tmp, 'data'), POSTERN_SECRET: 'cli-dns-master-key-0123', POSTERN_HOSTNAME: HOST, POSTERN_DNS_SERVERS: dns.server };
  const domain = await t.prisma.domain.create({ data: { name: 'cli-dns.test' } });
  dns.set(zonesFor((await expectedRecords(t.prisma, domain.id, { env: readEnv(environment as NodeJS.ProcessEnv) })).records, '192.0.2.25'));
});
afterAll(async () => {
  await dns?.close();
  await t?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('postern dns', { timeout: 120_000 }, () => {
  it('show prints the zone lines; --json every record with purpose and RFC', async () => {
    const r = await postern(['dns', 'show', 'CLI-DNS.test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ORIGIN cli-dns.test.\n');
    expect(r.stdout).toContain(`cli-dns.test. IN MX 10 ${HOST}.\n`);
    expect(r.stdout).toContain('_dmarc.cli-dns.test. IN TXT "v=DMARC1; p=quarantine; rua=mailto:postmaster@cli-dns.test"\n');
    const json = JSON.parse((await postern(['dns', 'show', 'cli-dns.test', '--json'])).stdout);
    expect(json).toMatchObject({ domain: 'cli-dns.test', host: HOST });
    expect(json.records.find((x: { id: string }) => x.id === 'mx')).toMatchObject({ type: 'MX', rfc: 'RFC 5321 §5.1', purpose: expect.any(String) });
  });

  it('check exits 0 when every record is right, 2 (with both values) when one is not, and keeps the result', async () => {
    const ok = await postern(['dns', 'check', 'cli-dns.test']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/all \d+ records right\n$/);

    const zones = zonesFor((await expectedRecords(t.prisma, (await t.prisma.domain.findUniqueOrThrow({ where: { name: 'cli-dns.test' } })).id, { env: readEnv(environment as NodeJS.ProcessEnv) })).records, '192.0.2.25');
    zones['_dmarc.cli-dns.test'].TXT = ['v=DMARC1; p=none'];
    dns.set(zones);
    const bad = await postern(['dns', 'check', 'cli-dns.test']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/DIFFERENT\s+TXT\s+_dmarc\.cli-dns\.test\s+v=DMARC1; p=quarantine; rua=mailto:postmaster@cli-dns\.test\s+v=DMARC1; p=none/);
    expect(bad.stdout).toMatch(/1 of \d+ records not right\n$/);
    const json = await postern(['dns', 'check', 'cli-dns.test', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).records.find((x: { id: string }) => x.id === 'dmarc')).toMatchObject({ state: 'different', found: ['v=DMARC1; p=none'] });
    expect((await t.prisma.dnsCheck.findFirstOrThrow()).problems).toBe(1);
    expect(await t.prisma.auditLog.count({ where: { action: 'domain.dns_check' } })).toBe(3);
  });

  it('an unknown domain exits 1 with one line', async () => {
    const r = await postern(['dns', 'check', 'nowhere.test']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^postern: domain: no domain nowhere\.test/);
  });

  it('cert activate refuses a key no published TLSA record matches (exit 1, the record to publish); --confirm-tlsa-mismatch activates', async () => {
    const ca = await createCa(t.prisma, CLI, { commonName: 'CLI DNS Root' });
    const current = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], caId: ca.id });
    await activateCertificate(t.prisma, CLI, current.id, new Date(), { host: HOST, resolver: createResolver({ servers: [dns.server] }) });
    dns.set({ [`_25._tcp.${HOST}`]: { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(spkiSha256(current.certPem), 'hex') }] } });
    const next = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], caId: ca.id });

    const refused = await postern(['cert', 'activate', next.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`postern: tlsa: no TLSA record at _25._tcp.${HOST} matches this certificate's key: DANE senders would refuse mail until one does. Publish "_25._tcp.${HOST}. IN TLSA 3 1 1 ${spkiSha256(next.certPem)}" beside the current record, wait for its TTL, then activate (or activate anyway)\n`);
    expect((await t.prisma.certificate.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('PENDING');

    const forced = await postern(['cert', 'activate', next.id, '--confirm-tlsa-mismatch']);
    expect(forced).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^activated ${next.id} for ${HOST} \\(retired ${current.id}\\)`)) });
  });
});
