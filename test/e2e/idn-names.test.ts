import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createAlias } from '@/lib/aliases';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type Panel } from './index';

// An international domain (RFC 5890) is stored and looked up as its A-label; the panel shows it
// as people write it, with the A-label on hover, the same way on every page that names it.

const ASCII = 'xn--bcher-kva.example';
const UNICODE = 'bücher.example';

let panel: Panel;
let browser: Browser;
let page: Page;

/** The element that shows `text`: its visible text, and the A-label only in its title. */
async function shownAs(scope: Locator, text: string, title: string) {
  const name = scope.locator(`span[title="${title}"]`).first();
  await name.waitFor();
  expect(await name.innerText()).toBe(text);
  expect(await name.getAttribute('translate')).toBe('no');
  expect(await scope.innerText()).not.toContain('xn--');
}

beforeAll(async () => {
  panel = await startPanel();
  const db = panel.db.prisma;
  const admin = await createAdmin(db, { email: 'root@example.test' });
  await addDomain(db, SYSTEM, { name: 'Bücher.Example' });
  await createMailbox(db, SYSTEM, { address: `info@${ASCII}`, password: 'Correct-Horse-9-Battery' });
  await createAlias(db, SYSTEM, { source: `post@${ASCII}`, destinations: [`info@${ASCII}`] });
  browser = await launchBrowser();
  page = await (await newContext(browser, panel.url)).newPage();
  await login(page, admin.email, admin.password);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

describe('IDN names', () => {
  it('the domains list and the domain page show the Unicode name, the A-label on hover', async () => {
    await page.goto('/domains');
    await shownAs(page.locator(`tr[data-domain="${ASCII}"] td`).first(), UNICODE, ASCII);
    await screenshot(page, 'idn-domains');
    await page.goto(`/domains/${ASCII}`);
    await shownAs(page.getByRole('heading', { level: 1 }), UNICODE, ASCII);
    await page.goto(`/domains/${ASCII}/dns`);
    await shownAs(page.getByRole('heading', { level: 1 }), UNICODE, ASCII);
  });

  it('addresses keep their local part and show the domain in Unicode', async () => {
    await page.goto('/mailboxes');
    await shownAs(page.locator(`tr[data-address="info@${ASCII}"] td`).first(), `info@${UNICODE}`, `info@${ASCII}`);
    await page.goto(`/mailboxes/${encodeURIComponent(`info@${ASCII}`)}`);
    await shownAs(page.getByRole('heading', { level: 1 }), `info@${UNICODE}`, `info@${ASCII}`);
    await page.goto('/aliases');
    const row = page.locator(`tr[data-alias="post@${ASCII}"]`);
    await shownAs(row.locator('td').first(), `post@${UNICODE}`, `post@${ASCII}`);
    await shownAs(row.locator('td').nth(1).locator('li'), `info@${UNICODE}`, `info@${ASCII}`);
    await screenshot(page, 'idn-aliases');
  });
});
