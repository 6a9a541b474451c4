import { gzipSync } from 'node:zlib';
import type pg from 'pg';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { createTestMailbox } from '@/mail-daemon/testing/mailbox';
import { deliver } from '@/mail-daemon/store';
import { readTlsReports } from './ingest';
import { parseTlsReport } from './parse';
import { tlsReportSummary } from './summary';
import { SYSTEM } from '@/lib/actor';

// The example report of RFC 8460 Appendix B (one STS policy, two failure kinds).
const EXAMPLE = {
  'organization-name': 'Company-X',
  'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
  'contact-info': 'sts-reporting@company-x.example',
  'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
  policies: [
    {
      policy: {
        'policy-type': 'sts',
        'policy-string': ['version: STSv1', 'mode: testing', 'mx: *.mail.company-y.example', 'max_age: 86400'],
        'policy-domain': 'company-y.example',
        'mx-host': '*.mail.company-y.example',
      },
      summary: { 'total-successful-session-count': 5326, 'total-failure-session-count': 303 },
      'failure-details': [
        { 'result-type': 'certificate-expired', 'sending-mta-ip': '2001:db8:abcd:0012::1', 'receiving-mx-hostname': 'mx1.mail.company-y.example', 'failed-session-count': 100 },
        { 'result-type': 'starttls-not-supported', 'sending-mta-ip': '2001:db8:abcd:0013::1', 'receiving-mx-hostname': 'mx2.mail.company-y.example', 'receiving-ip': '203.0.113.56', 'failed-session-count': 200, 'additional-information': 'https://reports.company-x.example/report_info ? id = 5065427c - 23d3#StarttlsNotSupported' },
        { 'result-type': 'validation-failure', 'sending-mta-ip': '198.51.100.62', 'receiving-ip': '203.0.113.58', 'receiving-mx-hostname': 'mx-backup.mail.company-y.example', 'failed-session-count': 3, 'failure-reason-code': 'X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED' },
      ],
    },
  ],
};

describe('RFC 8460 §4.4 report parsing', () => {
  const cases: [string, unknown, boolean][] = [
    ['the Appendix B example', EXAMPLE, true],
    ['no policies', { ...EXAMPLE, policies: [] }, false],
    ['a date that is not RFC 3339', { ...EXAMPLE, 'date-range': { 'start-datetime': 'yesterday', 'end-datetime': '2016-04-01T23:59:59Z' } }, false],
    ['a negative count', { ...EXAMPLE, policies: [{ ...EXAMPLE.policies[0], summary: { 'total-successful-session-count': -1, 'total-failure-session-count': 0 } }] }, false],
    ['an unknown policy type', { ...EXAMPLE, policies: [{ ...EXAMPLE.policies[0], policy: { 'policy-type': 'dane', 'policy-domain': 'x.example' } }] }, false],
    ['fields a reporter added', { ...EXAMPLE, 'x-extra': 1 }, true],
  ];
  it.each(cases)('%s', (_name, report, ok) => {
    expect(parseTlsReport(JSON.stringify(report)).ok).toBe(ok);
  });

  it('keeps the counts and each failure kind', () => {
    const r = parseTlsReport(JSON.stringify(EXAMPLE));
    if (!r.ok) throw new Error(r.error);
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]).toMatchObject({ organization: 'Company-X', policyDomain: 'company-y.example', policyType: 'sts', successCount: 5326, failureCount: 303 });
    expect(r.reports[0].failures.map((f) => [f.resultType, f.failedSessions])).toEqual([
      ['certificate-expired', 100], ['starttls-not-supported', 200], ['validation-failure', 3],
    ]);
    expect(parseTlsReport('{not json').ok).toBe(false);
  });
});

describe('reading reports from the report mailbox', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const address = 'tls-reports@company-y.example';

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool();
    await createTestMailbox(pool, address);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const mail = (attachments: { filename: string; contentType: string; content: Buffer }[]) =>
    new MailComposer({
      from: 'noreply-smtp-tls-reporting@company-x.example',
      to: address,
      subject: 'Report Domain: company-y.example Submitter: company-x.example Report-ID: <5065427c>',
      text: 'This is an aggregate TLS report.',
      attachments,
    })
      .compile()
      .build();

  const deliverTo = async (raw: Buffer) => {
    const mailbox = await pool.query<{ id: string }>('SELECT id FROM mailboxes WHERE address = $1', [address]);
    await deliver(pool, { raw, recipients: [{ mailboxId: mailbox.rows[0].id }] });
  };

  it('reads a gzip report once, skips other mail, and reports what it could not read', async () => {
    const json = Buffer.from(JSON.stringify(EXAMPLE));
    await deliverTo(await mail([{ filename: 'company-x.example!company-y.example!1459468800!1459555199.json.gz', contentType: 'application/tlsrpt+gzip', content: gzipSync(json) }]));
    await deliverTo(await mail([])); // an ordinary message
    await deliverTo(await mail([{ filename: 'broken.json', contentType: 'application/tlsrpt+json', content: Buffer.from('{"organization-name": 1}') }]));

    const first = await readTlsReports(pool, [address]);
    expect(first).toMatchObject({ messages: 3, reports: 1 });
    expect(first.problems).toHaveLength(1);
    expect(first.problems[0]).toContain('organization-name');

    const rows = await pool.query('SELECT organization, policy_domain, success_count, failure_count, report FROM tls_reports');
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ organization: 'Company-X', policy_domain: 'company-y.example', success_count: '5326', failure_count: '303' });
    expect(rows.rows[0].report.failures).toHaveLength(3);

    // The cursor moved on: nothing is read twice; a resent report (same id) is one row.
    expect(await readTlsReports(pool, [address])).toMatchObject({ messages: 0, reports: 0 });
    await deliverTo(await mail([{ filename: 'again.json', contentType: 'application/tlsrpt+json', content: json }]));
    expect(await readTlsReports(pool, [address])).toMatchObject({ messages: 1, reports: 0 });
  });

  it('ignores an address without a mailbox or without mail', async () => {
    expect(await readTlsReports(pool, ['nobody@company-y.example'])).toMatchObject({ messages: 0, reports: 0, problems: [] });
  });

  it('refuses a gzip bomb instead of inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
    await deliverTo(await mail([{ filename: 'bomb.json.gz', contentType: 'application/tlsrpt+gzip', content: bomb }]));
    const pass = await readTlsReports(pool, [address]);
    expect(pass.reports).toBe(0);
    expect(pass.problems.join()).toMatch(/bomb\.json\.gz/);
  });
});

describe('the TLS page summary of reports', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool();
    for (const [org, domain, ok, failed] of [['Company-X', 'ours.example', 900, 100], ['Company-Z', 'ours.example', 50, 0], ['Company-X', 'theirs.example', 10, 5]] as const) {
      const report = parseTlsReport(JSON.stringify({
        ...EXAMPLE,
        'organization-name': org,
        'date-range': { 'start-datetime': new Date(Date.now() - 86_400_000).toISOString(), 'end-datetime': new Date().toISOString() },
        policies: [{ ...EXAMPLE.policies[0], policy: { ...EXAMPLE.policies[0].policy, 'policy-domain': domain }, summary: { 'total-successful-session-count': ok, 'total-failure-session-count': failed }, 'failure-details': failed ? [{ 'result-type': 'certificate-expired', 'sending-mta-ip': '192.0.2.1', 'receiving-mx-hostname': 'mx.ours.example', 'failed-session-count': failed }] : [] }],
      }));
      if (!report.ok) throw new Error(report.error);
      const r = report.reports[0];
      await pool.query(
        `INSERT INTO tls_reports (report_id, organization, start_at, end_at, policy_domain, success_count, failure_count, report) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
        [`${org}-${domain}`, r.organization, r.startAt, r.endAt, r.policyDomain, r.successCount, r.failureCount, JSON.stringify({ policyType: r.policyType, failures: r.failures })],
      );
    }
    await createTestMailbox(pool, 'a@ours.example');
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('sums sessions per reporter and failures per result type, scoped to a domain admin', async () => {
    const all = await tlsReportSummary(db.prisma, SYSTEM, 30);
    expect(all).toMatchObject({ reports: 3, success: 960, failure: 105 });
    expect(all.failures[0]).toMatchObject({ organization: 'Company-X', policyDomain: 'ours.example', resultType: 'certificate-expired', sessions: 100, sendingIps: ['192.0.2.1'], receivingMx: ['mx.ours.example'] });
    const ours = await pool.query<{ id: string }>(`SELECT id FROM domains WHERE name = 'ours.example'`);
    const admin = { kind: 'admin', id: 'x', email: 'x@ours.example', role: 'DOMAIN', domainIds: [ours.rows[0].id] } as const;
    const scoped = await tlsReportSummary(db.prisma, { ...admin, domainIds: [...admin.domainIds] }, 30);
    expect(scoped).toMatchObject({ reports: 2, success: 950, failure: 100 });
    expect(scoped.reporters.map((r) => r.policyDomain)).toEqual(['ours.example', 'ours.example']);
    const none = await tlsReportSummary(db.prisma, { ...admin, domainIds: [] }, 30);
    expect(none.reports).toBe(0);
  });

  it('totals count every report of the period, not only the rows the tables show', async () => {
    await pool.query(
      `INSERT INTO tls_reports (report_id, organization, start_at, end_at, policy_domain, success_count, failure_count, report)
       SELECT 'many-' || i, 'Reporter ' || i, now() - interval '1 day', now(), 'many.example', 1, 0, '{"policyType":"sts","failures":[]}'
         FROM generate_series(1, 250) AS i`,
    );
    const all = await tlsReportSummary(db.prisma, SYSTEM, 30);
    expect(all.reporters).toHaveLength(200);
    expect(all).toMatchObject({ reports: 253, success: 1210, failure: 105 });
  });
});
