import { gzipSync } from 'node:zlib';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Browser } from 'playwright-core';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { readTlsReports } from '@/lib/tls-reports/ingest';
import { deliver } from '@/mail-daemon/store';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type Panel } from './index';

// TLS reports received, from the mail in the report mailbox to the TLS page: a report mailed as
// application/tlsrpt+gzip, read by the daemon's reader, shown with its failure, scoped to a
// domain admin's own domains.

let panel: Panel;
let browser: Browser;
let pool: pg.Pool;

const report = (org: string, domain: string, failed: number) => ({
  'organization-name': org,
  'date-range': { 'start-datetime': new Date(Date.now() - 86_400_000).toISOString(), 'end-datetime': new Date().toISOString() },
  'contact-info': `tlsrpt@${org.toLowerCase()}.example`,
  'report-id': `${org}-${domain}-1`,
  policies: [
    {
      policy: { 'policy-type': 'sts', 'policy-domain': domain },
      summary: { 'total-successful-session-count': 1000 - failed, 'total-failure-session-count': failed },
      'failure-details': failed ? [{ 'result-type': 'certificate-host-mismatch', 'sending-mta-ip': '198.51.100.7', 'receiving-mx-hostname': `mx.${domain}`, 'failed-session-count': failed }] : [],
    },
  ],
});

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  await addDomain(db, SYSTEM, { name: 'example.test' });
  await addDomain(db, SYSTEM, { name: 'other.test' });
  const box = await createMailbox(db, SYSTEM, { address: 'tls-reports@example.test', password: 'Correct-Horse-9-Battery' });
  pool = panel.db.pool(2);
  for (const [org, domain, failed] of [['Bigmail', 'example.test', 25], ['Smallmail', 'other.test', 0]] as const) {
    const raw = await new MailComposer({
      from: `noreply@${org.toLowerCase()}.example`,
      to: 'tls-reports@example.test',
      subject: `Report Domain: ${domain}`,
      text: 'TLS report attached.',
      attachments: [{ filename: `${org}!${domain}.json.gz`, contentType: 'application/tlsrpt+gzip', content: gzipSync(JSON.stringify(report(org, domain, failed))) }],
    })
      .compile()
      .build();
    await deliver(pool, { raw, recipients: [{ mailboxId: box.mailbox.id }] });
  }
  expect(await readTlsReports(pool, ['tls-reports@example.test'])).toMatchObject({ messages: 2, reports: 2 });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await pool?.end();
  await panel?.stop();
});

it('shows each reporter and why sessions failed; a domain admin sees only its domains', async () => {
  const admin = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, admin.email, admin.password);
  await page.goto(`${panel.url}/tls`);
  await page.getByRole('link', { name: 'Reports received' }).click();
  await page.waitForURL(/\/tls\/reports/);
  const reporters = page.getByTestId('tls-reporters');
  await expect.poll(() => reporters.locator('tbody tr').count()).toBe(2);
  const failures = page.getByTestId('tls-report-failures');
  await expect.poll(() => failures.innerText()).toContain('certificate-host-mismatch');
  expect(await failures.innerText()).toContain('198.51.100.7');
  await screenshot(page, 'tls-reports');

  const other = await panel.db.prisma.domain.findUniqueOrThrow({ where: { name: 'other.test' } });
  const domainAdmin = await createAdmin(panel.db.prisma, { email: 'other@example.test', domainIds: [other.id] });
  const scoped = await (await newContext(browser, panel.url)).newPage();
  await login(scoped, domainAdmin.email, domainAdmin.password);
  await scoped.goto(`${panel.url}/tls/reports`);
  const rows = await scoped.getByTestId('tls-reporters').locator('tbody tr').allInnerTexts();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain('Smallmail');
  expect(await scoped.getByTestId('tls-report-failures').count()).toBe(0);
});
