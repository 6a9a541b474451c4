import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The DKIM page in a real browser against the production panel server whose resolver is a DNS
// server on loopback: generate a key, read its record off the page, put it in the test zone,
// Check DNS, Activate; a domain admin of another domain is refused.

const DOMAIN = 'dkim-e2e.test';

let panel: Panel;
let browser: Browser;
let dns: RunningDnsServer;
let admin: AdminFixture;
let otherAdmin: AdminFixture;

async function signedIn(who: AdminFixture = admin): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  dns = await startDnsServer();
  panel = await startPanel({ POSTERN_DNS_SERVERS: dns.server });
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@dkim-e2e.test' });
  await addDomain(db, SYSTEM, { name: DOMAIN });
  const other = await addDomain(db, SYSTEM, { name: 'other-dkim-e2e.test' });
  otherAdmin = await createAdmin(db, { email: 'da@other-dkim-e2e.test', domainIds: [other.id] });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
  await dns?.close();
});

describe('DKIM page', { timeout: 180_000 }, () => {
  it('generate a key, see its record, publish it, Check DNS, Activate', async () => {
    const page = await signedIn();
    await page.goto(`/domains/${DOMAIN}/dkim`);
    await page.getByText(`No key signs for ${DOMAIN}`).waitFor();

    // A bad selector is a field error and creates nothing.
    await page.getByLabel('Selector (optional)').fill('not a label');
    await page.getByRole('button', { name: 'Generate new key' }).click();
    await expect.poll(() => page.locator('[data-field-error="dkim-selector"]').textContent()).toMatch(/one DNS label/);
    expect(await panel.db.prisma.dkimKey.count()).toBe(0);

    await page.getByLabel('Selector (optional)').fill('e2e1');
    await page.getByRole('button', { name: 'Generate new key' }).click();
    await page.getByText('Generated the RSA-2048 key e2e1.').waitFor();
    const card = page.locator('[data-dkim-key="e2e1"]');
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('pending');
    const name = (await card.locator('[data-record-name]').textContent())!;
    const value = (await card.locator('[data-record-value]').textContent())!;
    const strings = (await card.locator('[data-record-strings]').textContent())!;
    expect(name).toBe(`e2e1._domainkey.${DOMAIN}`);
    expect(value).toMatch(/^v=DKIM1; k=rsa; p=MIIB[A-Za-z0-9+/=]+$/);
    const parts = [...strings.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(parts.map((p) => p.length)).toEqual([255, value.length - 255]);
    expect(parts.join('')).toBe(value);
    await expect.poll(() => card.getByRole('button', { name: 'Activate' }).isDisabled()).toBe(true);

    await card.getByRole('button', { name: 'Check DNS' }).click();
    await card.getByText(`No record at ${name} yet`).waitFor();

    // The admin publishes the record as the page shows it: two character-strings.
    dns.set({ [name]: { TXT: [parts] } });
    await card.getByRole('button', { name: 'Check DNS' }).click();
    await card.getByText('The record of e2e1 is published').waitFor();
    await expect.poll(() => card.getByRole('button', { name: 'Activate' }).isEnabled()).toBe(true);
    await screenshot(page, 'dkim-found');
    await card.getByRole('button', { name: 'Activate' }).click();
    await card.getByText("e2e1 signs the domain's mail from now on.").waitFor();
    await expect.poll(() => card.getAttribute('data-status')).toBe('active');
    await expect.poll(() => page.getByText(`No key signs for ${DOMAIN}`).count()).toBe(0);
    const row = await panel.db.prisma.dkimKey.findFirstOrThrow({ where: { selector: 'e2e1' } });
    expect(row).toMatchObject({ status: 'active', dnsStatus: 'found' });
    expect(await panel.db.prisma.auditLog.count({ where: { actor: admin.email, action: { in: ['dkim.generate', 'dkim.check', 'dkim.activate'] } } })).toBe(4);
    await screenshot(page, 'dkim-active');
  });

  it('a domain admin of another domain does not see this domain\'s keys', async () => {
    const page = await signedIn(otherAdmin);
    const res = await page.goto(`/domains/${DOMAIN}/dkim`);
    expect(res?.status()).toBe(404);
    expect(await page.content()).not.toContain('_domainkey');
  });
});
