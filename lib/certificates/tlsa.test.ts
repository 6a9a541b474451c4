import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecords, expectedRecords } from '@/lib/dns-records';
import { createResolver } from '@/lib/dns/resolver';
import { readEnv } from '@/lib/config/env';
import { CLI, useTestEnv } from '@/mail-daemon/testing/certificates';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { activateCertificate, TLSA_MISMATCH_FIELD } from './activate-certificate';
import { createCa } from './create-ca';
import { issueServerCertificate } from './issue-server-certificate';
import { runRenewalPass } from './renew';
import { spkiSha256 } from './tlsa';
import { DAY_MS } from './x509';

// TLSA that survives rotation (RFC 7671 §8.1): renewals keep the key, so the published
// "3 1 1" stays right; a new key is refused activation until its record is published.

let t: TestDatabase;
let dns: RunningDnsServer;
const HOST = 'mail.rotation.test';

function publishTlsa(...certPems: string[]) {
  dns.set({
    [`_25._tcp.${HOST}`]: { TLSA: certPems.map((pem) => ({ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(spkiSha256(pem), 'hex') })) },
  });
}

beforeAll(async () => {
  useTestEnv();
  dns = await startDnsServer();
  // The renewal pass activates with the daemon's own settings: the host name and resolvers of the environment.
  process.env.POSTERN_HOSTNAME = HOST;
  process.env.POSTERN_DNS_SERVERS = dns.server;
  t = await createTestDatabase();
  await createCa(t.prisma, CLI, { commonName: 'Rotation Root' });
  await t.prisma.domain.create({ data: { name: 'rotation.test' } });
});
afterAll(async () => {
  await dns?.close();
  await t?.drop();
});

describe('TLSA across certificate rotation', { timeout: 60_000 }, () => {
  let first: Awaited<ReturnType<typeof issueServerCertificate>>;

  it('activation is allowed while no TLSA is published, and when the lookup fails', async () => {
    dns.set({});
    first = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], validityDays: 100 });
    const other = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], validityDays: 100 });
    dns.set({ [`_25._tcp.${HOST}`]: { servfail: true } });
    await expect(activateCertificate(t.prisma, CLI, other.id)).resolves.toMatchObject({ id: other.id });
    dns.set({});
    await expect(activateCertificate(t.prisma, CLI, first.id)).resolves.toMatchObject({ id: first.id, retired: [other.id] });
  });

  it('a renewal keeps the key: the published record still matches and the new certificate is activated', async () => {
    publishTlsa(first.certPem);
    const report = await runRenewalPass(t.prisma, { now: new Date(first.notAfter.getTime() - 5 * DAY_MS) });
    expect(report?.failed).toEqual([]);
    expect(report?.renewed).toHaveLength(1);
    const fresh = await t.prisma.certificate.findUniqueOrThrow({ where: { id: report!.renewed[0].newId } });
    expect(fresh.status).toBe('ACTIVE');
    expect(fresh.fingerprintSha256).not.toBe(first.fingerprintSha256);
    expect(spkiSha256(fresh.certPem!)).toBe(spkiSha256(first.certPem));
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'certificate.renew', target: first.id } });
    expect(audit.after).toMatchObject({ keptKey: true });
  });

  it('a renewal asked for a new key is not activated while DNS has only the old key; the DNS page lists the next record', async () => {
    const active = await t.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE', hosts: { has: HOST } } });
    const report = await runRenewalPass(t.prisma, { now: new Date(active.notAfter!.getTime() - 5 * DAY_MS), newKey: true });
    expect(report?.renewed).toEqual([]);
    expect(report?.failed).toEqual([expect.objectContaining({ id: active.id, error: expect.stringMatching(/no TLSA record at _25\._tcp\.mail\.rotation\.test matches/) })]);
    const next = await t.prisma.certificate.findFirstOrThrow({ where: { status: 'PENDING', renewedFromId: active.id } });
    expect(spkiSha256(next.certPem!)).not.toBe(spkiSha256(active.certPem!));

    const domain = await t.prisma.domain.findUniqueOrThrow({ where: { name: 'rotation.test' } });
    const expected = await expectedRecords(t.prisma, domain.id, { env: readEnv() });
    expect(expected.records.find((r) => r.id === `tlsa-next:25:${next.id}`)).toMatchObject({
      name: `_25._tcp.${HOST}`, type: 'TLSA', value: `3 1 1 ${spkiSha256(next.certPem!)}`, rfc: 'RFC 7671 §8.1',
    });
    expect(expected.records.find((r) => r.id === 'tlsa:25')?.value).toBe(`3 1 1 ${spkiSha256(active.certPem!)}`);
    const checked = await checkRecords(expected, { resolver: createResolver({ servers: [dns.server], timeoutMs: 500 }) });
    expect(checked.records.find((r) => r.id === 'tlsa:25')?.state).toBe('right');
    // Only the current record is published: the next one is missing (to add beside it), not "different".
    expect(checked.records.find((r) => r.id === `tlsa-next:25:${next.id}`)).toMatchObject({ state: 'missing', found: [`3 1 1 ${spkiSha256(active.certPem!)}`] });

    // By hand: refused with the record to publish, allowed once confirmed (and audited as such).
    const refused = await activateCertificate(t.prisma, CLI, next.id).catch((e) => e);
    expect(refused).toMatchObject({ code: 'conflict', field: TLSA_MISMATCH_FIELD, message: expect.stringContaining(`IN TLSA 3 1 1 ${spkiSha256(next.certPem!)}`) });
    expect((await t.prisma.certificate.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('PENDING');
    await expect(activateCertificate(t.prisma, CLI, next.id, new Date(), { confirmTlsaMismatch: true })).resolves.toMatchObject({ id: next.id });
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'certificate.activate', target: next.id } });
    expect(audit.after).toMatchObject({ confirmedTlsaMismatch: true });
  });

  it('with current and next published ("current + next"), the new key activates without confirmation', async () => {
    const current = await t.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE', hosts: { has: HOST } } });
    const next = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], validityDays: 100 });
    publishTlsa(current.certPem!, next.certPem);
    await expect(activateCertificate(t.prisma, CLI, next.id)).resolves.toMatchObject({ id: next.id });
  });

  it('every port the DNS page lists counts: a new key refused while one of 25, 465, 587, 993 has only the old record', async () => {
    const current = await t.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE', hosts: { has: HOST } } });
    const next = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], validityDays: 100 });
    const domain = await t.prisma.domain.findUniqueOrThrow({ where: { name: 'rotation.test' } });
    const listed = (await expectedRecords(t.prisma, domain.id, { env: readEnv() })).records.filter((r) => r.id.startsWith('tlsa:')).map((r) => r.name);
    expect(listed).toEqual([25, 465, 587, 993].map((p) => `_${p}._tcp.${HOST}`));
    const record = (pem: string) => ({ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(spkiSha256(pem), 'hex') });
    const zones = (nextAt: string[]) =>
      Object.fromEntries(listed.map((name) => [name, { TLSA: nextAt.includes(name) ? [record(current.certPem!), record(next.certPem)] : [record(current.certPem!)] }]));

    // Current + next at 25 only: the submission and IMAP names still have the old key alone.
    dns.set(zones([listed[0]]));
    const refused = await activateCertificate(t.prisma, CLI, next.id).catch((e) => e);
    expect(refused).toMatchObject({ code: 'conflict', field: TLSA_MISMATCH_FIELD });
    expect(refused.message).toContain(`no TLSA record at ${listed.slice(1).join(', ')} matches`);
    for (const name of listed.slice(1)) expect(refused.message).toContain(`"${name}. IN TLSA 3 1 1 ${spkiSha256(next.certPem)}"`);
    expect(refused.message).not.toContain(`"${listed[0]}.`);
    dns.set(zones(listed.slice(0, 3)));
    expect((await activateCertificate(t.prisma, CLI, next.id).catch((e) => e)).message).toContain(`no TLSA record at _993._tcp.${HOST} matches`);
    expect((await t.prisma.certificate.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('PENDING');

    // A certificate only the IMAP listeners may serve is held to the IMAP name alone.
    const imapOnly = await issueServerCertificate(t.prisma, CLI, { hosts: [HOST], validityDays: 100, services: ['imap'] });
    dns.set(Object.fromEntries(listed.map((name) => [name, { TLSA: name.startsWith('_993.') ? [record(current.certPem!), record(imapOnly.certPem)] : [record(current.certPem!)] }])));
    await expect(activateCertificate(t.prisma, CLI, imapOnly.id)).resolves.toMatchObject({ id: imapOnly.id });

    dns.set(zones(listed));
    await expect(activateCertificate(t.prisma, CLI, next.id)).resolves.toMatchObject({ id: next.id });
  });
});
