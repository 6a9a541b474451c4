import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { activateCertificate } from './activate-certificate';
import { createCa } from './create-ca';
import { expiryOf } from './expiry';
import { issueServerCertificate } from './issue-server-certificate';
import { runRenewalPass } from './renew';
import { certificateStatus, toPrometheus } from './status';
import { CLI, useTestEnv } from '@/mail-daemon/testing/certificates';
import { DAY_MS } from './x509';

let t: TestDatabase;
beforeAll(async () => {
  useTestEnv();
  t = await createTestDatabase();
  await createCa(t.prisma, CLI, { commonName: 'Expiry Root' });
});
afterAll(async () => t?.drop());

describe('expiry', () => {
  it('levels and thresholds: 30, 14, 7, 3 days', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (days: number) => expiryOf(new Date(now.getTime() + days * DAY_MS), now);
    expect(at(90)).toEqual({ daysLeft: 90, level: 'ok', threshold: null });
    expect(at(30)).toEqual({ daysLeft: 30, level: 'warning', threshold: 30 });
    expect(at(20)).toMatchObject({ level: 'warning', threshold: 30 });
    expect(at(14)).toMatchObject({ level: 'warning', threshold: 14 });
    expect(at(7)).toMatchObject({ level: 'critical', threshold: 7 });
    expect(at(2.5)).toMatchObject({ daysLeft: 2, level: 'critical', threshold: 3 });
    expect(at(-1)).toMatchObject({ daysLeft: -1, level: 'expired', threshold: 3 });
    expect(expiryOf(null)).toEqual({ daysLeft: null, level: 'none', threshold: null });
  });

  it('warns once per threshold, renews internal-CA certificates renewDaysBefore (policy) days ahead, audited; status reflects it', async () => {
    const none = await certificateStatus(t.prisma);
    expect(none.status).toBe('CRITICAL'); // nothing ACTIVE
    const cert = await issueServerCertificate(t.prisma, CLI, { hosts: ['mx.expiry.test'], validityDays: 100 });
    await activateCertificate(t.prisma, CLI, cert.id);
    // Valid, but no mail daemon is alive to serve it: a warning until one is.
    expect(await certificateStatus(t.prisma)).toMatchObject({ status: 'WARNING', warnings: ['no mail daemon is alive'], daemons: [] });

    // Policy: renew only 10 days ahead, so at 25 days left there is a warning and no renewal.
    await t.prisma.policy.upsert({
      where: { id: '00000000-0000-0000-0000-000000000000' },
      create: { id: '00000000-0000-0000-0000-000000000000', settings: { renewDaysBefore: 10 } },
      update: { settings: { renewDaysBefore: 10 } },
    });
    const day = (left: number) => new Date(cert.notAfter.getTime() - left * DAY_MS);
    let report = await runRenewalPass(t.prisma, { now: day(25) });
    expect(report).toMatchObject({ warned: [{ id: cert.id, threshold: 30 }], renewed: [], failed: [] });
    report = await runRenewalPass(t.prisma, { now: day(24) });
    expect(report!.warned).toEqual([]); // once per threshold
    report = await runRenewalPass(t.prisma, { now: day(13) });
    expect(report!.warned).toMatchObject([{ threshold: 14 }]);
    expect((await certificateStatus(t.prisma, day(13))).status).toBe('WARNING');
    expect((await certificateStatus(t.prisma, day(5))).status).toBe('CRITICAL');

    report = await runRenewalPass(t.prisma, { now: day(9) });
    expect(report!.renewed).toMatchObject([{ oldId: cert.id, hosts: ['mx.expiry.test'] }]);
    const fresh = await t.prisma.certificate.findFirstOrThrow({ where: { renewedFromId: cert.id } });
    expect(fresh).toMatchObject({ status: 'ACTIVE', source: 'INTERNAL_CA', hosts: ['mx.expiry.test'], keyType: 'EC' });
    expect((await t.prisma.certificate.findUniqueOrThrow({ where: { id: cert.id } })).status).toBe('RETIRED');
    const actions = (await t.prisma.auditLog.findMany({ where: { target: cert.id }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['certificate.issue', 'certificate.activate', 'certificate.expiry_warning', 'certificate.expiry_warning', 'certificate.renew']);
    const renewAudit = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'certificate.renew' } });
    expect(renewAudit.actor).toBe('system');

    const status = await certificateStatus(t.prisma);
    expect(status).toMatchObject({ status: 'WARNING', certificates: [{ id: fresh.id }] });
    expect(toPrometheus(status)).toMatch(/postern_certificate_status 1\n[^]*postern_mail_daemons_alive 0\n/);
  });
});
