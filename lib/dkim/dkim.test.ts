import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/lib/actor';
import { unsealKey } from '@/lib/certificates/keys';
import { addDomain } from '@/lib/domains';
import { createResolver } from '@/lib/dns/resolver';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import {
  activateDkimKey, checkDkimDns, compareDkimRecords, dkimDnsRecordsFor, dkimSigningKeys, generateDkimKey, listDkimKeys, retireDkimKey, retireExpiredDkimKeys,
} from '@/lib/dkim';

// The key service against a real database and a loopback DNS server that holds the zone the
// admin publishes.
let t: TestDatabase;
let dns: RunningDnsServer;
let resolver: ReturnType<typeof createResolver>;
const cli: Actor = { kind: 'cli', user: 'tester' };
let otherAdmin: Actor;

beforeAll(async () => {
  process.env.POSTERN_SECRET = 'dkim-test-master-key-0123456789';
  t = await createTestDatabase();
  dns = await startDnsServer();
  resolver = createResolver({ servers: [dns.server], timeoutMs: 2_000 });
  await addDomain(t.prisma, cli, { name: 'sign.test' });
  const other = await addDomain(t.prisma, cli, { name: 'other.test' });
  otherAdmin = { kind: 'admin', id: '00000000-0000-0000-0000-000000000001', email: 'da@other.test', role: 'DOMAIN', domainIds: [other.id] };
});
afterAll(async () => {
  await dns?.close();
  await t?.drop();
});

describe('DKIM keys', () => {
  it('generates RSA-2048: p= is the SPKI DER, the value splits into 255-octet strings, the private key is sealed', async () => {
    const key = await generateDkimKey(t.prisma, cli, { domain: 'sign.test', type: 'rsa' }, new Date('2026-12-02T10:00:00Z'));
    expect(key).toMatchObject({ selector: 'p20261202r', status: 'pending', algorithm: 'rsa', dnsStatus: null });
    expect(key.record.name).toBe('p20261202r._domainkey.sign.test');
    const p = key.record.value.match(/^v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)$/)![1];
    const pub = createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(key.record.strings.length).toBe(2);
    expect(Buffer.byteLength(key.record.strings[0])).toBe(255);
    expect(key.record.strings.join('')).toBe(key.record.value);
    const row = await t.prisma.dkimKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.privateKeySealed).toMatch(/^v1:/);
    expect(row.privateKeySealed).not.toMatch(/PRIVATE KEY/);
    expect(unsealKey(row.privateKeySealed)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'dkim.generate', target: key.record.name } });
    expect(JSON.stringify([audit.before, audit.after])).not.toMatch(/PRIVATE|v1:/);
  });

  it('generates Ed25519: p= is the raw 32-byte key (RFC 8463 §4.2) that verifies its signatures', async () => {
    const key = await generateDkimKey(t.prisma, cli, { domain: 'sign.test', type: 'ed25519', selector: 'Ed1' });
    expect(key).toMatchObject({ selector: 'ed1', algorithm: 'ed25519' });
    const p = key.record.value.match(/^v=DKIM1; k=ed25519; p=(.+)$/)![1];
    expect(Buffer.from(p, 'base64')).toHaveLength(32);
    expect(key.record.strings).toEqual([key.record.value]);
    const row = await t.prisma.dkimKey.findUniqueOrThrow({ where: { id: key.id } });
    const { sign } = await import('node:crypto');
    const sig = sign(null, Buffer.from('x'), unsealKey(row.privateKeySealed));
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(p, 'base64').toString('base64url') }, format: 'jwk' });
    expect(verify(null, Buffer.from('x'), pub, sig)).toBe(true);
  });

  it('refuses a bad or taken selector, an unknown type and another tenant, changing nothing', async () => {
    await expect(generateDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'a.b' })).rejects.toMatchObject({ code: 'invalid', field: 'selector' });
    await expect(generateDkimKey(t.prisma, cli, { domain: 'sign.test', selector: '-x' })).rejects.toMatchObject({ code: 'invalid', field: 'selector' });
    await expect(generateDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'ed1' })).rejects.toMatchObject({ code: 'conflict', field: 'selector' });
    await expect(generateDkimKey(t.prisma, cli, { domain: 'sign.test', type: 'dsa' as never })).rejects.toMatchObject({ code: 'invalid', field: 'type' });
    await expect(generateDkimKey(t.prisma, otherAdmin, { domain: 'sign.test' })).rejects.toMatchObject({ code: 'forbidden', field: 'domain' });
    await expect(listDkimKeys(t.prisma, otherAdmin, { domain: 'sign.test' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(checkDkimDns(t.prisma, otherAdmin, { domain: 'sign.test', selector: 'ed1' }, resolver)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(activateDkimKey(t.prisma, otherAdmin, { domain: 'sign.test', selector: 'ed1' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(retireDkimKey(t.prisma, otherAdmin, { domain: 'sign.test', selector: 'ed1' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await t.prisma.dkimKey.count()).toBe(2);
    // Its own domain is fine for the domain admin.
    const own = await generateDkimKey(t.prisma, otherAdmin, { domain: 'other.test', type: 'ed25519' });
    expect(own.domain).toBe('other.test');
    expect(await t.prisma.auditLog.count({ where: { action: 'dkim.generate', actor: 'da@other.test' } })).toBe(1);
  });

  it('checks DNS: missing, different, found (any tag order, split strings, whitespace), failed on SERVFAIL', async () => {
    const ref = { domain: 'sign.test', selector: 'p20261202r' };
    const { keys } = await listDkimKeys(t.prisma, cli, { domain: 'sign.test' });
    const rsa = keys.find((k) => k.selector === 'p20261202r')!;
    const name = rsa.record.name;
    expect((await checkDkimDns(t.prisma, cli, ref, resolver)).status).toBe('missing');
    dns.set({ [name]: { TXT: ['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong'] } });
    const different = await checkDkimDns(t.prisma, cli, ref, resolver);
    expect(different).toMatchObject({ status: 'different', seen: [expect.stringContaining('wrong')] });
    const p = rsa.record.value.split('p=')[1];
    const reordered = `p=${p.slice(0, 100)} ${p.slice(100)} ;k = RSA; v=DKIM1`;
    dns.set({ [name]: { TXT: [[reordered.slice(0, 200), reordered.slice(200)]] } });
    const found = await checkDkimDns(t.prisma, cli, ref, resolver);
    expect(found.status).toBe('found');
    dns.set({ [name]: { TXT: [rsa.record.strings] } });
    expect((await checkDkimDns(t.prisma, cli, ref, resolver)).status).toBe('found');
    dns.set({ [name]: { servfail: true } });
    expect(await checkDkimDns(t.prisma, cli, ref, resolver)).toMatchObject({ status: 'failed', error: 'SERVFAIL' });
    const row = await t.prisma.dkimKey.findUniqueOrThrow({ where: { id: rsa.id } });
    expect(row.dnsStatus).toBe('failed');
    expect(row.dnsCheckedAt).toBeInstanceOf(Date);
    expect(await t.prisma.auditLog.count({ where: { action: 'dkim.check', target: name } })).toBe(5);
  });

  it('compares k= and p= only, k= defaulting to rsa', () => {
    expect(compareDkimRecords(['p=abc'], 'v=DKIM1; k=rsa; p=abc')).toBe('found');
    expect(compareDkimRecords(['v=DKIM1; k=ed25519; p=abc'], 'v=DKIM1; k=rsa; p=abc')).toBe('different');
    expect(compareDkimRecords(['v=spf1 -all'], 'v=DKIM1; k=rsa; p=abc')).toBe('different');
    expect(compareDkimRecords([], 'v=DKIM1; k=rsa; p=abc')).toBe('missing');
    // RFC 6376 §3.2: a tag twice, or a part that is no tag=value, makes the record invalid; verifiers ignore it.
    expect(compareDkimRecords(['v=DKIM1; k=rsa; p=abc; p=xyz'], 'v=DKIM1; k=rsa; p=abc')).toBe('different');
    expect(compareDkimRecords(['v=DKIM1; k=rsa; p=abc; garbage'], 'v=DKIM1; k=rsa; p=abc')).toBe('different');
    expect(compareDkimRecords(['v=DKIM1; k=rsa; p=abc;'], 'v=DKIM1; k=rsa; p=abc')).toBe('found');
  });

  it('activation is refused until the record is found; then the key signs', async () => {
    const ref = { domain: 'sign.test', selector: 'p20261202r' };
    await expect(activateDkimKey(t.prisma, cli, ref)).rejects.toMatchObject({ code: 'invalid', field: 'selector' });
    const { keys } = await listDkimKeys(t.prisma, cli, { domain: 'sign.test' });
    const rsa = keys.find((k) => k.selector === 'p20261202r')!;
    dns.set({ [rsa.record.name]: { TXT: [rsa.record.strings] } });
    await checkDkimDns(t.prisma, cli, ref, resolver);
    // A check an hour old is not "just checked".
    await expect(activateDkimKey(t.prisma, cli, ref, new Date(Date.now() + 61 * 60_000))).rejects.toMatchObject({ code: 'invalid' });
    const r = await activateDkimKey(t.prisma, cli, ref);
    expect(r).toMatchObject({ key: { status: 'active' }, replaced: null });
    await expect(activateDkimKey(t.prisma, cli, ref)).rejects.toMatchObject({ code: 'conflict' });
    const signing = await dkimSigningKeys(t.prisma);
    expect(signing).toEqual([{ domainId: expect.any(String), domain: 'sign.test', selector: 'p20261202r', algorithm: 'rsa', privateKeyPem: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/) }]);
  });

  it('rotation: the old key retires after the grace period, by housekeeping', async () => {
    const ed = { domain: 'sign.test', selector: 'ed1' };
    const { keys } = await listDkimKeys(t.prisma, cli, { domain: 'sign.test' });
    const edKey = keys.find((k) => k.selector === 'ed1')!;
    dns.set({ [edKey.record.name]: { TXT: [edKey.record.value] } });
    await checkDkimDns(t.prisma, cli, ed, resolver);
    const now = new Date();
    const r = await activateDkimKey(t.prisma, cli, ed, now);
    expect(r.replaced).toEqual({ selector: 'p20261202r', retireAfter: new Date(now.getTime() + 7 * 86_400_000) });
    const old = await t.prisma.dkimKey.findFirstOrThrow({ where: { selector: 'p20261202r' } });
    expect(old).toMatchObject({ status: 'retiring', retiringAt: now });
    // Both records stay published while the old one retires.
    const published = await dkimDnsRecordsFor(t.prisma, cli, { domain: 'sign.test' });
    expect(published.records.map((x) => [x.selector, x.status])).toEqual([['p20261202r', 'retiring'], ['ed1', 'active']]);
    expect(await retireExpiredDkimKeys(t.prisma, new Date(now.getTime() + 6 * 86_400_000))).toBe(0);
    expect(await retireExpiredDkimKeys(t.prisma, new Date(now.getTime() + 7 * 86_400_000 + 1))).toBe(1);
    expect(await t.prisma.dkimKey.findFirstOrThrow({ where: { selector: 'p20261202r' } })).toMatchObject({ status: 'retired', retiredAt: expect.any(Date) });
    expect(await t.prisma.auditLog.findFirst({ where: { action: 'dkim.retire', actor: 'system', target: 'p20261202r._domainkey.sign.test' } })).not.toBeNull();
    expect((await dkimSigningKeys(t.prisma)).map((k) => k.selector)).toEqual(['ed1']);
  });

  it('an admin retires a pending key, and the active one (the domain is then unsigned)', async () => {
    const pending = await generateDkimKey(t.prisma, cli, { domain: 'sign.test', type: 'ed25519', selector: 'spare' });
    expect(await retireDkimKey(t.prisma, cli, { domain: 'sign.test', selector: pending.selector })).toEqual({ selector: 'spare', unsigned: false });
    await expect(retireDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'spare' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(activateDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'spare' })).rejects.toMatchObject({ code: 'invalid' });
    expect(await retireDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'ed1' })).toEqual({ selector: 'ed1', unsigned: true });
    expect(await dkimSigningKeys(t.prisma)).toEqual([]);
    await expect(retireDkimKey(t.prisma, cli, { domain: 'sign.test', selector: 'nope' })).rejects.toMatchObject({ code: 'not_found', field: 'selector' });
  });

  it('housekeeping in two daemons at once retires an expired key once, with one audit entry', async () => {
    const keys = [];
    for (const selector of ['h1', 'h2']) {
      const key = await generateDkimKey(t.prisma, cli, { domain: 'other.test', type: 'ed25519', selector });
      dns.set({ [key.record.name]: { TXT: [key.record.value] } });
      await checkDkimDns(t.prisma, cli, { domain: 'other.test', selector }, resolver);
      await activateDkimKey(t.prisma, cli, { domain: 'other.test', selector });
      keys.push(key);
    }
    const later = new Date(Date.now() + 8 * 86_400_000);
    const counts = await Promise.all([retireExpiredDkimKeys(t.prisma, later), retireExpiredDkimKeys(t.prisma, later)]);
    expect(counts.reduce((a, b) => a + b)).toBe(1);
    expect(await t.prisma.dkimKey.findFirstOrThrow({ where: { id: keys[0].id } })).toMatchObject({ status: 'retired' });
    expect(await t.prisma.auditLog.count({ where: { action: 'dkim.retire', target: keys[0].record.name } })).toBe(1);
  });

  it('two activations at once on one domain: one key ends active, the other retiring', async () => {
    await addDomain(t.prisma, cli, { name: 'race.test' });
    for (const selector of ['a1', 'a2']) {
      const key = await generateDkimKey(t.prisma, cli, { domain: 'race.test', type: 'ed25519', selector });
      dns.set({ [key.record.name]: { TXT: [key.record.value] } });
      await checkDkimDns(t.prisma, cli, { domain: 'race.test', selector }, resolver);
    }
    const results = await Promise.all(['a1', 'a2'].map((selector) => activateDkimKey(t.prisma, cli, { domain: 'race.test', selector })));
    expect(results.filter((r) => r.replaced !== null)).toHaveLength(1);
    const rows = await t.prisma.dkimKey.findMany({ where: { domain: { name: 'race.test' } }, select: { status: true } });
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'retiring']);
  });
});
