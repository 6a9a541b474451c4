import type { Browser, Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unseal } from '@/lib/crypto/seal';
import { getPolicyOverride } from '@/lib/policy';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// Outbound settings in a real browser against the production panel server: the policies page saves the
// smarthost with a write-only password (sealed with the panel's master key, never sent
// back to the browser, kept by a save that leaves it empty), and the TLS page draws the
// outbound section from outbound_attempts.

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let pool: pg.Pool;
const PASSWORD = 'e2e relay secret 42';
const DAY = new Date().toISOString().slice(0, 10);

async function signedIn(): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, admin.email, admin.password);
  return page;
}

async function seedAttempts() {
  const blob = (await pool.query(`INSERT INTO mail_blobs (size, sha256, raw, mime) VALUES (1, 'x', '\\x00', '{}') RETURNING id`)).rows[0].id;
  const rows: [string, string, string | null, string, string][] = [
    ['Q1', 'gmail.example', 'TLSv1.3', 'mta-sts', 'sent'],
    ['Q2', 'gmail.example', 'TLSv1.3', 'dane', 'sent'],
    ['Q3', 'partner.example', 'TLSv1.2', 'unverified', 'sent'],
    ['Q4', 'old.example', null, 'none', 'sent'],
    ['Q5', 'old.example', null, 'none', 'deferred'],
  ];
  for (const [i, [queueId, domain, tls, verification, outcome]] of rows.entries()) {
    const q = await pool.query(
      `INSERT INTO outbound_queue (queue_id, blob_id, mail_from, rcpt, domain, dsn_notify) VALUES ($1, $2, 's@ours.test', $3, $4, '{}') RETURNING id`,
      [queueId, blob, `r${i}@${domain}`, domain],
    );
    await pool.query(
      `INSERT INTO outbound_attempts (outbound_id, queue_id, rcpt, domain, duration_ms, instance_id, mx_host, ip, port, tls_version, tls_verification, outcome, code, enhanced, reply)
       VALUES ($1, $2, $3, $4, 10, 'e2e', $5, '192.0.2.1', 25, $6, $7, $8, $9, '', '')`,
      [q.rows[0].id, queueId, `r${i}@${domain}`, domain, `mx.${domain}`, tls, verification, outcome, outcome === 'sent' ? 250 : 451],
    );
  }
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  admin = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  pool = panel.db.pool(2);
}, 900_000);

afterAll(async () => {
  await pool?.end();
  await browser?.close();
  await panel?.stop();
});

describe('outbound settings and statistics', () => {
  it('saves the smarthost; the password is sealed, never shown, and kept when left empty', async () => {
    const page = await signedIn();
    await page.goto('/policies');
    await page.getByLabel('First retry after').fill('60');
    await page.getByLabel('TLS to other servers').selectOption('require-tls');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Rule 1: recipient domain').fill('Partner.Example');
    await page.getByLabel('Send outbound mail through a smarthost').check();
    const relay = page.getByTestId('smarthost');
    await relay.getByLabel('Host', { exact: true }).fill('smtp.provider.example');
    await relay.getByLabel('Port', { exact: true }).fill('70000');
    await relay.getByLabel('Security').selectOption('implicit');
    await relay.getByLabel('User name').fill('postern@provider.example');
    await relay.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await relay.getByLabel('Only for these recipient domains').fill('gmail.example, outlook.example');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(() => page.locator('[data-field-error="smarthost.port"]').textContent()).toBe('At most 65535.');

    await relay.getByLabel('Port', { exact: true }).fill('465');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await page.getByText('Global policy saved').waitFor();
    const stored = await getPolicyOverride(panel.db.prisma, null);
    expect(stored).toMatchObject({
      retryBaseSeconds: 60,
      outboundTls: 'require-tls',
      outboundTlsRules: [{ domain: 'partner.example', tls: 'require-verified' }],
      smarthost: { host: 'smtp.provider.example', port: 465, security: 'implicit', username: 'postern@provider.example', domains: ['gmail.example', 'outlook.example'] },
    });
    const sealed = stored.smarthost!.passwordSealed;
    expect(unseal(sealed, panel.masterKey).toString('utf8')).toBe(PASSWORD);

    // A fresh load: the relay is shown, the password is not (neither in clear nor sealed), the field is empty.
    await page.reload();
    const html = await page.content();
    expect(html).not.toContain(PASSWORD);
    expect(html).not.toContain(sealed);
    await expect(relay.getByLabel('Password', { exact: true }).inputValue()).resolves.toBe('');
    await relay.getByText('A password is stored').waitFor();
    await screenshot(page, 'policies-outbound-smarthost');

    // Saving with the password left empty keeps it.
    await relay.getByLabel('Port', { exact: true }).fill('587');
    await relay.getByLabel('Security').selectOption('starttls');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await page.getByText('Global policy saved').waitFor();
    await expect.poll(async () => (await getPolicyOverride(panel.db.prisma, null)).smarthost?.port).toBe(587);
    expect((await getPolicyOverride(panel.db.prisma, null)).smarthost!.passwordSealed).toBe(sealed);

    const audit = await panel.db.prisma.auditLog.findMany({ where: { action: 'policy.update' } });
    const text = JSON.stringify(audit.map((r) => [r.before, r.after]));
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(sealed);
    await page.context().close();
  });

  it('the TLS page shows the outbound section: shares, the verification chart, destinations and cleartext-only ones', async () => {
    await seedAttempts();
    const page = await signedIn();
    await page.goto(`/tls?from=${DAY}&to=${DAY}`);
    const section = page.getByTestId('outbound');
    await section.getByRole('heading', { name: 'Outbound' }).waitFor();
    await expect(section.getByTestId('outbound-attempts').textContent()).resolves.toBe('5');
    await expect(section.getByTestId('outbound-messages').textContent()).resolves.toBe('4');
    await expect(section.getByTestId('outbound-share-tls').textContent()).resolves.toBe('75.0%');
    await expect(section.getByTestId('outbound-share-verified').textContent()).resolves.toBe('50.0%');
    await section.getByTestId('outbound-verification-chart').locator('.recharts-bar-rectangle').first().waitFor();
    await section.getByTestId('outbound-domains-chart').locator('.recharts-bar-rectangle').first().waitFor();
    await expect(section.getByTestId('outbound-domains').locator('tbody tr').count()).resolves.toBe(3);
    await expect(section.getByTestId('outbound-cleartext').locator('tbody tr').allTextContents()).resolves.toEqual([expect.stringContaining('old.example')]);
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, 'tls-outbound');
    await page.context().close();
  });
});
