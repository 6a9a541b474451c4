// RFC 8460 reports read from the address the published `_smtp._tls` record names: mailed over
// SMTP to the MX as a reporter sends them, then read by the daemon's pass and summarised.
import { gzipSync } from 'node:zlib';
import nodemailer from 'nodemailer';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { readEnv } from '@/lib/config/env';
import { expectedRecords } from '@/lib/dns-records';
import { updatePolicy } from '@/lib/policy';
import { tlsReportSummary } from '@/lib/tls-reports/summary';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { startSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { PolicyCache } from './policy-cache';
import { readReportsPass, reportAddresses } from './tls-reports';

const MX = 'mx.postern.test';
let db: TestDatabase;
let pool: pg.Pool;
let smtp: RunningSmtp;

async function mailbox(address: string): Promise<void> {
  const [local, name] = address.split('@');
  const d = await db.prisma.domain.upsert({ where: { name }, create: { name }, update: {} });
  await db.prisma.mailbox.create({ data: { domainId: d.id, localPart: local, address, passwordHash: 'x', quotaBytes: 1n << 30n } });
}

/** A report about `policyDomain` in the RFC 8460 §4.4 format, one failure kind. */
function report(policyDomain: string, failed: number) {
  return {
    'organization-name': 'Reporter Inc',
    'date-range': { 'start-datetime': new Date(Date.now() - 86_400_000).toISOString(), 'end-datetime': new Date().toISOString() },
    'contact-info': 'tls-reports@reporter.test',
    'report-id': `report-${policyDomain}`,
    policies: [{
      policy: { 'policy-type': 'sts', 'policy-string': ['version: STSv1', 'mode: testing', `mx: ${MX}`, 'max_age: 604800'], 'policy-domain': policyDomain, 'mx-host': MX },
      summary: { 'total-successful-session-count': 40, 'total-failure-session-count': failed },
      'failure-details': [{ 'result-type': 'certificate-host-mismatch', 'sending-mta-ip': '192.0.2.25', 'receiving-mx-hostname': MX, 'failed-session-count': failed }],
    }],
  };
}

/** §5.3: the report gzipped as application/tlsrpt+gzip, sent to the MX like any reporter does. */
async function mailReport(to: string, policyDomain: string, failed: number): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.ports.mx, requireTLS: true, tls: { rejectUnauthorized: false }, name: 'reporter.test' });
  const info = await transport.sendMail({
    from: 'noreply-smtp-tls-reporting@reporter.test',
    to,
    subject: `Report Domain: ${policyDomain} Submitter: reporter.test Report-ID: <report-${policyDomain}>`,
    headers: { 'TLS-Report-Domain': policyDomain, 'TLS-Report-Submitter': 'reporter.test' },
    text: 'This is an aggregate TLS report.',
    attachments: [{
      filename: `reporter.test!${policyDomain}!1!2.json.gz`,
      contentType: 'application/tlsrpt+gzip',
      content: gzipSync(Buffer.from(JSON.stringify(report(policyDomain, failed)))),
    }],
  });
  expect(info.accepted).toEqual([to]);
  transport.close();
}

async function publishedRua(domain: string): Promise<string | undefined> {
  const d = await db.prisma.domain.findUniqueOrThrow({ where: { name: domain } });
  const expected = await expectedRecords(db.prisma, d.id, { env: { ...readEnv({} as NodeJS.ProcessEnv), POSTERN_HOSTNAME: MX } });
  return /rua=mailto:(\S+)$/.exec(expected.records.find((r) => r.id === 'tls-rpt')?.value ?? '')?.[1];
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  // default.test: postmaster@ is a mailbox. alias.test: postmaster@ is an alias of the admin's mailbox.
  // chosen.test: the policy names tls@; its postmaster@ mailbox is not the report address.
  await mailbox('postmaster@default.test');
  await mailbox('admin@alias.test');
  const alias = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'alias.test' } });
  await db.prisma.alias.create({ data: { domainId: alias.id, source: 'postmaster@alias.test', destinations: ['admin@alias.test'] } });
  await mailbox('tls@chosen.test');
  await mailbox('postmaster@chosen.test');
  const chosen = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'chosen.test' } });
  await updatePolicy(db.prisma, SYSTEM, { domainId: chosen.id, settings: { tlsRptAddress: 'tls@chosen.test' } });
  smtp = await startSmtp(db.url);
}, 120_000);

afterAll(async () => {
  await smtp?.stop();
  await pool?.end();
  await db?.drop();
});

describe('TLS reports mailed to the address the TLS-RPT record names', () => {
  it('with the default policy a report to postmaster@<domain> is read and summarised; an alias and a chosen address too, nothing else', async () => {
    // What the DNS page publishes is what the daemon reads.
    expect(await publishedRua('default.test')).toBe('postmaster@default.test');
    expect(await publishedRua('alias.test')).toBe('postmaster@alias.test');
    expect(await publishedRua('chosen.test')).toBe('tls@chosen.test');
    const policy = new PolicyCache(db.prisma);
    expect((await reportAddresses(db.prisma, policy)).sort()).toEqual(['admin@alias.test', 'postmaster@default.test', 'tls@chosen.test']);

    await mailReport('postmaster@default.test', 'default.test', 7);
    await mailReport('postmaster@alias.test', 'alias.test', 3);
    await mailReport('tls@chosen.test', 'chosen.test', 1);
    // Not the address chosen.test's record names: its reports are not looked for here.
    await mailReport('postmaster@chosen.test', 'elsewhere.test', 50);

    const pass = await readReportsPass({ db: db.prisma, pool, policy });
    expect(pass).toMatchObject({ messages: 3, reports: 3, problems: [] });

    const summary = await tlsReportSummary(db.prisma, SYSTEM, 30);
    expect(summary).toMatchObject({ reports: 3, success: 120, failure: 11 });
    expect(summary.reporters.map((r) => [r.policyDomain, r.organization, r.failure]).sort()).toEqual([
      ['alias.test', 'Reporter Inc', 3], ['chosen.test', 'Reporter Inc', 1], ['default.test', 'Reporter Inc', 7],
    ]);
    expect(summary.failures.find((f) => f.policyDomain === 'default.test')).toMatchObject({
      resultType: 'certificate-host-mismatch', sessions: 7, sendingIps: ['192.0.2.25'], receivingMx: [MX],
    });

    // The next pass finds nothing new.
    expect(await readReportsPass({ db: db.prisma, pool, policy })).toMatchObject({ messages: 0, reports: 0 });
  });
});
