import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { SEND_LIMIT_ACTION } from '@/lib/queue/count-send-limited';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { composeAlert, firingAlerts, getMonitoringSettings, recordAlerts, sendTestAlert, updateMonitoringSettings } from '.';

// Each condition from the rows the daemons and the panel leave, the settings' validation, and
// the pass's bookkeeping: announced once however many daemons pass at once, resolved once.
let t: TestDatabase;
const now = new Date('2026-12-03T12:00:00Z');
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('alert conditions', () => {
  it('certificate near expiry or failed renewal, daemon silent, queue past threshold, send limit hit', async () => {
    const cert = await t.prisma.certificate.create({
      data: { status: 'ACTIVE', source: 'INTERNAL_CA', hosts: ['mx.alerts.test'], notAfter: new Date(now.getTime() + 3 * DAY), keyType: 'ec', keySealed: 'x' },
    });
    await t.prisma.certificate.create({ data: { status: 'ACTIVE', source: 'INTERNAL_CA', hosts: ['far.alerts.test'], notAfter: new Date(now.getTime() + 60 * DAY), keyType: 'ec', keySealed: 'x' } });
    await t.prisma.auditLog.create({ data: { at: new Date(now.getTime() - 3_600_000), actor: 'system', action: 'certificate.renew_failed', target: cert.id, after: { hosts: ['mx.alerts.test'], error: 'CA unreachable' } } });
    // Failed, then renewed: no alert for this one.
    await t.prisma.auditLog.create({ data: { at: new Date(now.getTime() - 7_200_000), actor: 'system', action: 'certificate.renew_failed', target: 'other', after: { hosts: ['x'] } } });
    await t.prisma.auditLog.create({ data: { at: new Date(now.getTime() - 3_600_000), actor: 'system', action: 'certificate.renew', target: 'other' } });
    await t.prisma.daemonStatus.create({ data: { instanceId: 'quiet:1', hostname: 'h1', version: 'v', startedAt: now, heartbeatAt: new Date(now.getTime() - 10 * 60_000) } });
    await t.prisma.daemonStatus.create({ data: { instanceId: 'fresh:1', hostname: 'h2', version: 'v', startedAt: now, heartbeatAt: now } });
    await t.prisma.auditLog.create({ data: { at: new Date(now.getTime() - 600_000), actor: 'system', action: SEND_LIMIT_ACTION, target: 'spammer@alerts.test' } });

    const settings = { ...(await getMonitoringSettings(t.prisma)), queueThreshold: 1000 };
    const firing = await firingAlerts(t.prisma, settings, now);
    expect(firing.map((f) => [f.key, f.summary]).sort()).toEqual([
      [`cert:${cert.id}`, 'the certificate for mx.alerts.test expires in 3 days'],
      ['daemon:quiet:1', 'the mail daemon quiet:1 on h1 has not been heard from for 10 minutes'],
      [`renew:${cert.id}`, 'renewing the certificate for mx.alerts.test failed: CA unreachable'],
      ['send-limit:spammer@alerts.test', 'spammer@alerts.test reached a send limit (a stolen password shows so first)'],
    ].sort());
    expect((await firingAlerts(t.prisma, { ...settings, sendLimitAlerts: false, certDays: 1 }, now)).map((f) => f.kind).sort()).toEqual(['certificate_renewal', 'daemon_silent']);
  });

  it('five passes at once announce each condition once; a condition gone is resolved once; old sent notices go', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => recordAlerts(t.prisma, now)));
    expect(results.filter((r) => r?.fired).map((r) => r!.fired)).toEqual([4]);
    expect(await t.prisma.alertNotice.count()).toBe(4);
    expect(await recordAlerts(t.prisma, now)).toEqual({ fired: 0, resolved: 0 });
    await t.prisma.daemonStatus.deleteMany({ where: { instanceId: 'quiet:1' } });
    expect(await recordAlerts(t.prisma, now)).toEqual({ fired: 0, resolved: 1 });
    const resolved = await t.prisma.alertNotice.findFirstOrThrow({ where: { kind: 'daemon_silent_resolved' } });
    expect(resolved.subject).toBe('[Postern] resolved: the mail daemon quiet:1 on h1 has not been heard from for 10 minutes');
    // Sent notices past the retention go at the next pass; unsent ones stay.
    await t.prisma.alertNotice.updateMany({ where: { kind: 'daemon_silent_resolved' }, data: { sentAt: new Date(now.getTime() - 91 * DAY) } });
    await t.prisma.alertNotice.updateMany({ where: { kind: 'daemon_silent' }, data: { sentAt: new Date(now.getTime() - 89 * DAY) } });
    await recordAlerts(t.prisma, now);
    expect((await t.prisma.alertNotice.findMany({ select: { kind: true } })).map((n) => n.kind).sort()).toEqual(['certificate_expiry', 'certificate_renewal', 'daemon_silent', 'send_limit']);
  });

  it('settings: validated with the field, audited; test sends need somewhere to go', async () => {
    const base = { metricsAllow: '', alertRecipients: '', webhookUrl: '', certDays: 14, daemonSilentMinutes: 5, queueThreshold: 100, sendLimitAlerts: true };
    await expect(sendTestAlert(t.prisma, SYSTEM)).rejects.toMatchObject({ code: 'invalid', field: 'alertRecipients' });
    const cases: [Partial<typeof base>, string][] = [
      [{ metricsAllow: '10.0.0.0/33' }, 'metricsAllow'],
      [{ metricsAllow: 'prometheus.local' }, 'metricsAllow'],
      [{ alertRecipients: 'not an address' }, 'alertRecipients'],
      [{ webhookUrl: 'ftp://x' }, 'webhookUrl'],
      [{ certDays: 0 }, 'certDays'],
      [{ queueThreshold: 0 }, 'queueThreshold'],
    ];
    for (const [change, field] of cases) {
      await expect(updateMonitoringSettings(t.prisma, SYSTEM, { ...base, ...change }), field).rejects.toMatchObject({ code: 'invalid', field });
    }
    const saved = await updateMonitoringSettings(t.prisma, SYSTEM, { ...base, metricsAllow: '10.0.0.0/8, 2001:db8::/32', alertRecipients: 'Ops@Alerts.test ops@alerts.test', webhookUrl: 'https://hooks.example/x' });
    expect(saved).toMatchObject({ metricsAllow: ['10.0.0.0/8', '2001:db8::/32'], alertRecipients: ['ops@alerts.test'], webhookUrl: 'https://hooks.example/x' });
    expect(await t.prisma.auditLog.count({ where: { action: 'monitoring.settings' } })).toBe(1);
    await expect(updateMonitoringSettings(t.prisma, { kind: 'admin', id: 'x', email: 'd@x', role: 'DOMAIN', domainIds: [] }, base)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('composes an RFC 5322 message that auto-responders leave alone', () => {
    const raw = composeAlert({ subject: '[Postern] the certificate for bücher.test expires', body: 'line one\nline two', to: ['a@x.test'], hostname: 'mx.x.test', date: now }).toString('utf8');
    expect(raw).toContain('\r\nAuto-Submitted: auto-generated\r\n');
    expect(raw).toContain(`Subject: =?UTF-8?B?${Buffer.from('[Postern] the certificate for bücher.test expires').toString('base64')}?=\r\n`);
    expect(raw).toContain('Date: Thu, 03 Dec 2026 12:00:00 +0000\r\n');
    expect(raw.endsWith('\r\n\r\nline one\r\nline two\r\n')).toBe(true);
    expect(raw).not.toMatch(/[^\r]\n/);
  });
});
