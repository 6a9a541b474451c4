import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateCertificate, createCa, issueServerCertificate } from '@/lib/certificates';
import { seal } from '@/lib/crypto/seal';
import { createResolver } from '@/lib/dns/resolver';
import { updatePolicy } from '@/lib/policy';
import { CLI, tmpDir, useTestEnv, write } from '@/mail-daemon/testing/certificates';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { reverseName, zonesFor } from '@/mail-daemon/testing/dns-records';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { checkDomainDns, checkRecords, expectedRecords, lastDnsCheck, zoneFile, type HostEnv } from '.';

// The records a domain must publish, checked against a real DNS server on loopback that serves
// them right, wrong, not at all, or fails: each state must be told apart.

const HOST = 'mail.example.org';
const ADDRESS = '192.0.2.10';
const env: HostEnv = {
  POSTERN_HOSTNAME: HOST, POSTERN_SMTP_PORT: 2525, POSTERN_SUBMISSION_PORT: 2587, POSTERN_SUBMISSIONS_PORT: 2465, POSTERN_IMAPS_PORT: 2993, POSTERN_IMAP_PORT: undefined,
  POSTERN_POP3S_PORT: 2995, POSTERN_POP3_PORT: undefined,
};

let t: TestDatabase;
let dns: RunningDnsServer;
let domainId: string;
let otherId: string;
let certPem: string;
const resolver = () => createResolver({ servers: [dns.server], timeoutMs: 400 });

beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  dns = await startDnsServer();
  domainId = (await t.prisma.domain.create({ data: { name: 'example.org' } })).id;
  otherId = (await t.prisma.domain.create({ data: { name: 'example.net' } })).id;
  // An RSA-2048 DKIM key: its record (~400 octets) needs several character-strings.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await t.prisma.dkimKey.create({
    data: {
      domainId, selector: 's2026', algorithm: 'rsa', status: 'active',
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privateKeySealed: seal(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, process.env.POSTERN_SECRET!),
    },
  });
  const ca = await createCa(t.prisma, CLI, { commonName: 'DNS Test Root', keySpec: 'ec-p256' });
  const issued = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], caId: ca.id });
  await activateCertificate(t.prisma, CLI, issued.id, new Date(), { host: HOST, resolver: resolver() });
  certPem = issued.certPem;
});
afterAll(async () => {
  await dns?.close();
  await t?.drop();
});

describe('expected records', () => {
  it('lists every record with its purpose and RFC; standard ports; IMAP and POP3 without STARTTLS are "not offered"; POP3S after IMAP', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const byId = new Map(e.records.map((r) => [r.id, r]));
    expect(byId.get('mx')).toMatchObject({ name: 'example.org', type: 'MX', value: `10 ${HOST}.`, rfc: 'RFC 5321 §5.1' });
    expect(byId.get('spf')).toMatchObject({ name: 'example.org', type: 'TXT', value: 'v=spf1 mx -all' });
    expect(byId.get('dkim:s2026')).toMatchObject({ name: 's2026._domainkey.example.org', type: 'TXT' });
    expect(byId.get('dmarc')).toMatchObject({ name: '_dmarc.example.org', value: 'v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org' });
    expect(byId.get('mta-sts')?.value).toMatch(/^v=STSv1; id=[0-9a-f]{32}$/);
    expect(byId.get('mta-sts-host')).toMatchObject({ name: 'mta-sts.example.org', type: 'CNAME', value: `${HOST}.` });
    expect(byId.get('tls-rpt')).toMatchObject({ name: '_smtp._tls.example.org', value: 'v=TLSRPTv1; rua=mailto:postmaster@example.org' });
    expect(byId.get('srv:_submissions._tcp')).toMatchObject({ value: `0 1 465 ${HOST}.` });
    expect(byId.get('srv:_submission._tcp')).toMatchObject({ value: `10 1 587 ${HOST}.` });
    expect(byId.get('srv:_imaps._tcp')?.note).toMatch(/listens on 2993 \(POSTERN_IMAPS_PORT\); forward port 993/);
    expect(byId.get('srv:_imap._tcp')).toMatchObject({ value: '0 0 0 .' });
    expect(byId.get('srv:_pop3s._tcp')).toMatchObject({ name: '_pop3s._tcp.example.org', value: `20 1 995 ${HOST}.`, rfc: 'RFC 6186 §3.3, RFC 8314 §5.1' });
    expect(byId.get('srv:_pop3s._tcp')?.note).toMatch(/listens on 2995 \(POSTERN_POP3S_PORT\); forward port 995/);
    expect(byId.get('srv:_pop3._tcp')).toMatchObject({ value: '0 0 0 .' });
    expect(byId.get('autoconfig')).toMatchObject({ name: 'autoconfig.example.org', type: 'CNAME' });
    expect(byId.get('autodiscover')).toMatchObject({ name: 'autodiscover.example.org', type: 'CNAME' });
    expect([...byId.keys()].filter((k) => k.startsWith('tlsa:'))).toEqual(['tlsa:25', 'tlsa:465', 'tlsa:587', 'tlsa:993']);
    for (const r of e.records) {
      expect(r.purpose).not.toBe('');
      expect(r.rfc).toMatch(r.kind === 'alias' && r.id !== 'mta-sts-host' ? /^(draft-ietf-mailmaint-autoconfig|Microsoft \[MS-OXDSCLI\])/ : /^RFC \d+/);
    }

    const withImap = await expectedRecords(t.prisma, domainId, { env: { ...env, POSTERN_IMAP_PORT: 2143 } });
    expect(withImap.records.find((r) => r.id === 'srv:_imap._tcp')?.value).toBe(`10 1 143 ${HOST}.`);
    expect(withImap.records.some((r) => r.id === 'tlsa:143')).toBe(true);

    const withPop3 = await expectedRecords(t.prisma, domainId, { env: { ...env, POSTERN_POP3_PORT: 2110 } });
    expect(withPop3.records.find((r) => r.id === 'srv:_pop3._tcp')?.value).toBe(`30 1 110 ${HOST}.`);
    expect(withPop3.records.some((r) => r.id.startsWith('tlsa:110') || r.id.startsWith('tlsa:995'))).toBe(false);
  });

  it('follows the policy: DMARC and TLS-RPT addresses, SPF, MTA-STS mode none asks for no record', async () => {
    await updatePolicy(t.prisma, CLI, { domainId: otherId, settings: { spfRecord: 'v=spf1 a mx ~all', dmarc: { policy: 'reject', reportAddress: 'dmarc@reports.example' }, tlsRptAddress: 'tls@reports.example', mtaSts: { mode: 'none' } } });
    const e = await expectedRecords(t.prisma, otherId, { env });
    const byId = new Map(e.records.map((r) => [r.id, r]));
    expect(byId.get('spf')?.value).toBe('v=spf1 a mx ~all');
    expect(byId.get('dmarc')?.value).toBe('v=DMARC1; p=reject; rua=mailto:dmarc@reports.example');
    expect(byId.get('tls-rpt')?.value).toBe('v=TLSRPTv1; rua=mailto:tls@reports.example');
    expect(byId.has('mta-sts')).toBe(false);
    expect(byId.has('mta-sts-host')).toBe(false);
    expect(e.mtaStsPolicy).toBeNull();
    expect(e.omitted.join('\n')).toMatch(/MTA-STS/);
  });

  it('the TLSA value is what openssl computes from the served certificate (SPKI, SHA-256)', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const file = write(tmpDir(), 'cert.pem', certPem);
    const digest = execFileSync('sh', ['-c', `openssl x509 -pubkey -noout -in '${file}' | openssl pkey -pubin -outform DER | openssl dgst -sha256`], { encoding: 'utf8' });
    const hex = digest.trim().split(/\s+/).pop();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    for (const port of [25, 465, 587, 993]) {
      expect(e.records.find((r) => r.id === `tlsa:${port}`)).toMatchObject({ name: `_${port}._tcp.${HOST}`, type: 'TLSA', value: `3 1 1 ${hex}` });
    }
  });
});

describe('live check', () => {
  it('every record published as expected: all right, kept in dns_checks with 0 problems', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    dns.set(zonesFor(e.records, ADDRESS));
    const before = dns.queries.length;
    const report = await checkDomainDns(t.prisma, domainId, { env, resolver: resolver() });
    // The host's addresses serve the address, PTR and alias records; each TLSA name is asked once.
    const asked = dns.queries.slice(before);
    expect(asked.filter((q) => q === `A ${HOST}`)).toHaveLength(1);
    expect(asked.filter((q) => q === `TLSA _25._tcp.${HOST}`)).toHaveLength(1);
    expect(new Set(asked).size).toBe(asked.length);
    expect(report.records.filter((r) => r.state !== 'right').map((r) => `${r.id}: ${r.state} ${r.found.join(' | ')} ${r.error ?? ''}`)).toEqual([]);
    expect(report.problems).toBe(0);
    expect(report.records.find((r) => r.id === 'host-ptr')?.found).toEqual([`${ADDRESS} → ${HOST}.`]);
    expect(report.records.find((r) => r.id === 'dkim:s2026')?.found[0].length).toBeGreaterThan(255);
    const row = await t.prisma.dnsCheck.findUniqueOrThrow({ where: { domainId } });
    expect(row.problems).toBe(0);
    expect((await lastDnsCheck(t.prisma, domainId))?.records.length).toBe(e.records.length);
  });

  it('tells right, different (both values), missing and failed (SERVFAIL, no answer) apart', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const zones = zonesFor(e.records, ADDRESS);
    zones['example.org'].TXT = [['v=spf1 a -all'], ['google-site-verification=abc']];
    zones['example.org'].MX = [{ preference: 10, exchange: 'mx.elsewhere.example' }];
    delete zones['_dmarc.example.org'];
    zones['_mta-sts.example.org'] = { servfail: true };
    zones['_smtp._tls.example.org'] = { silent: true };
    delete zones[reverseName(ADDRESS)];
    zones[`_25._tcp.${HOST}`].TLSA = [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }];
    zones['_imap._tcp.example.org'].SRV = [{ priority: 10, weight: 1, port: 143, target: HOST }];
    zones['autoconfig.example.org'] = { CNAME: 'other.example' };
    dns.set(zones);
    const report = await checkRecords(e, { resolver: resolver(), timeoutMs: 2000 });
    const state = (id: string) => report.records.find((r) => r.id === id)!;
    expect(state('spf')).toMatchObject({ state: 'different', value: 'v=spf1 mx -all', found: ['v=spf1 a -all'] });
    expect(state('mx')).toMatchObject({ state: 'different', found: ['10 mx.elsewhere.example.'] });
    expect(state('dmarc')).toMatchObject({ state: 'missing', found: [] });
    expect(state('mta-sts')).toMatchObject({ state: 'failed', error: expect.stringMatching(/SERVFAIL/) });
    expect(state('tls-rpt')).toMatchObject({ state: 'failed', error: expect.stringMatching(/TIMEOUT|no answer/) });
    expect(state('host-ptr')).toMatchObject({ state: 'missing', found: [`${ADDRESS} → (no PTR)`] });
    expect(state('tlsa:25')).toMatchObject({ state: 'different', found: [`3 1 1 ${'07'.repeat(32)}`] });
    expect(state('tlsa:465').state).toBe('right');
    expect(state('srv:_imap._tcp')).toMatchObject({ state: 'different', found: [`10 1 143 ${HOST}.`] });
    expect(state('autoconfig')).toMatchObject({ state: 'different', found: ['other.example.'] });
    expect(state('dkim:s2026').state).toBe('right');
    expect(report.problems).toBe(report.records.filter((r) => r.state !== 'right').length);
    expect(report.problems).toBe(9);
  });

  it('two SPF records are not right even when one of them is (RFC 7208 §4.5)', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const zones = zonesFor(e.records, ADDRESS);
    zones['example.org'].TXT!.push('v=spf1 -all');
    dns.set(zones);
    const spf = (await checkRecords(e, { resolver: resolver() })).records.find((r) => r.id === 'spf')!;
    expect(spf).toMatchObject({ state: 'different', error: expect.stringMatching(/2 v=spf1 records/) });
  });

  it('a PTR naming a host that does not resolve back is not forward-confirmed', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const zones = zonesFor(e.records, ADDRESS);
    zones[reverseName(ADDRESS)] = { PTR: ['static.provider.example'] };
    dns.set(zones);
    const ptr = (await checkRecords(e, { resolver: resolver() })).records.find((r) => r.id === 'host-ptr')!;
    expect(ptr).toMatchObject({ state: 'different', found: [`${ADDRESS} → static.provider.example. (does not resolve back)`] });
  });
});

describe('zone export', () => {
  it('writes BIND lines, long TXT split into 255-octet strings, the host’s records in its zone', async () => {
    const e = await expectedRecords(t.prisma, domainId, { env });
    const zone = zoneFile(e, { addresses: [ADDRESS, '2001:db8::10'], now: new Date('2026-12-02T00:00:00Z') });
    expect(zone).toContain('$ORIGIN example.org.\n$TTL 3600\n');
    expect(zone).toContain(`example.org. IN MX 10 ${HOST}.\n`);
    expect(zone).toContain('example.org. IN TXT "v=spf1 mx -all"\n');
    expect(zone).toContain(`${HOST}. IN A ${ADDRESS}\n`);
    expect(zone).toContain(`${HOST}. IN AAAA 2001:db8::10\n`);
    expect(zone).toContain(`_submissions._tcp.example.org. IN SRV 0 1 465 ${HOST}.\n`);
    expect(zone).toContain('_imap._tcp.example.org. IN SRV 0 0 0 .\n');
    expect(zone).toContain(`autoconfig.example.org. IN CNAME ${HOST}.\n`);
    expect(zone).toMatch(new RegExp(`_25\\._tcp\\.${HOST.replace(/\./g, '\\.')}\\. IN TLSA 3 1 1 [0-9a-f]{64}\\n`));
    const dkim = zone.split('\n').find((l) => l.startsWith('s2026._domainkey.example.org. IN TXT '))!;
    const strings = [...dkim.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
    expect(strings.join('')).toBe(e.records.find((r) => r.id === 'dkim:s2026')!.value);
    expect(zone).toMatch(/; PTR of each address of mail\.example\.org/);

    // Another domain served by the same host: the host's records belong to the host's zone.
    const other = zoneFile(await expectedRecords(t.prisma, otherId, { env }));
    expect(other).toMatch(new RegExp(`\\n; _25\\._tcp\\.${HOST.replace(/\./g, '\\.')}\\. IN TLSA 3 1 1 `));
    expect(other).toContain(`; In the zone of ${HOST}, not example.net:`);
    expect(other).toContain(`; ${HOST}. IN A <an IPv4 address of this server>`);
  });
});
