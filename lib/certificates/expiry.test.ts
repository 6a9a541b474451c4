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
    expect(toPrometheus(status)).toMatch(/postern_certificate_status 1\n[^]*postern_mail_daemons_alive 0\n[^]*postern_mail_daemons_missing 0\n/);
  });

  it('a daemon gone without signing off is missing unless a live one replaced it on its host; OK once every daemon serves', async () => {
    const active = await t.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    const now = new Date();
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const row = (instanceId: string, hostname: string, heartbeatAt: Date) => ({
      instanceId, hostname, version: '1', startedAt: ago(3600), heartbeatAt, listeners: [], details: { tlsFingerprint: active.fingerprintSha256 },
    });
    await t.prisma.daemonStatus.createMany({
      data: [
        row('mx1:10:a', 'mx1', ago(2)), // alive
        row('mx1:9:b', 'mx1', ago(600)), // crashed, restarted as mx1:10:a
        row('mx2:7:c', 'mx2', ago(700)), // crashed, nothing runs on mx2
      ],
    });
    try {
      const report = await certificateStatus(t.prisma, now, 15_000);
      expect(report).toMatchObject({
        status: 'WARNING',
        daemons: [{ instanceId: 'mx1:10:a', servesActive: true }],
        missing: [{ instanceId: 'mx2:7:c' }],
        warnings: ['1 mail daemon stopped without signing off and not replaced on its host'],
      });
      expect(toPrometheus(report)).toMatch(/postern_mail_daemons_alive 1\n[^]*postern_mail_daemons_missing 1\n/);
      // Restarted on mx2 too: nothing is missing.
      await t.prisma.daemonStatus.create({ data: row('mx2:8:d', 'mx2', ago(1)) });
      expect(await certificateStatus(t.prisma, now, 15_000)).toMatchObject({ status: 'OK', missing: [], warnings: [] });
      // Past the bound the live ones are gone as well: no daemon alive, each one missing.
      expect(await certificateStatus(t.prisma, new Date(now.getTime() + 60_000), 15_000)).toMatchObject({
        status: 'WARNING',
        daemons: [],
        missing: [{ instanceId: 'mx2:8:d' }, { instanceId: 'mx1:10:a' }, { instanceId: 'mx1:9:b' }, { instanceId: 'mx2:7:c' }],
        warnings: ['no mail daemon is alive'],
      });
    } finally {
      await t.prisma.daemonStatus.deleteMany({});
    }
  });
});
