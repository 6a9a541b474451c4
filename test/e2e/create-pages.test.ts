// Domains, aliases and mailboxes are created the same way, at desktop (1280×800) and phone
// (390×844) sizes: the list's header button "New …" opens a page with one form, its first
// field focused; Cancel goes back; a refused submit stays on the form with what was typed and
// the error in its field's aria-live region; a success returns to the list, which names what
// was added. Screenshots of each step: test-results/e2e/create-<kind>-<size>-<step>.png.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createAdmin, launchBrowser, login, screenshot, startPanel, type AdminFixture, type Panel } from './index';

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type Size = keyof typeof SIZES;

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  admin = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  await addDomain(panel.db.prisma, SYSTEM, { name: 'example.test' });
  await createMailbox(panel.db.prisma, SYSTEM, { address: 'alice@example.test', password: 'Correct-Horse-9-Battery' });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

async function open(size: Size): Promise<Page> {
  const context = await browser.newContext({ baseURL: panel.url, viewport: SIZES[size] });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await login(page, admin.email, admin.password);
  return page;
}

/** The page's width beyond the viewport, in pixels (0: nothing scrolls sideways). */
const overflow = (page: Page) => page.evaluate(() => document.scrollingElement!.scrollWidth - document.documentElement.clientWidth);

interface Kind {
  kind: string;
  list: string;
  button: string;
  form: string;
  firstField: string;
  submit: string;
  /** Fills a submit the server refuses, and the field error it must show. */
  refuse(page: Page, size: Size): Promise<{ field: string; error: string; kept: [label: string, value: string] }>;
  /** Fills a submit the server accepts; returns the confirmation the list must show. */
  accept(page: Page, size: Size): Promise<string>;
}

const KINDS: Kind[] = [
  {
    kind: 'domain',
    list: '/domains',
    button: 'New domain',
    form: 'New domain',
    firstField: 'domain-name',
    submit: 'Add domain',
    async refuse(page) {
      await page.getByLabel('Domain name').fill('example.test');
      return { field: 'domain-name', error: 'example.test already exists', kept: ['Domain name', 'example.test'] };
    },
    async accept(page, size) {
      await page.getByLabel('Domain name').fill(`${size}.example`);
      return `Added ${size}.example.`;
    },
  },
  {
    kind: 'alias',
    list: '/aliases',
    button: 'New alias',
    form: 'New alias',
    firstField: 'alias-local',
    submit: 'Add alias',
    async refuse(page) {
      await page.getByLabel('Local part').fill('alice');
      await page.getByLabel('Domain', { exact: true }).selectOption('example.test');
      await page.getByLabel('Delivers to').fill('bob@remote.example');
      // A mailbox already receives mail for alice@: an alias of the same name is refused.
      return { field: 'source', error: 'alice@example.test is a mailbox', kept: ['Delivers to', 'bob@remote.example'] };
    },
    // The refused submit kept the domain chosen: the accepted one goes to example.test too.
    async accept(page, size) {
      // The catch-all is announced as the domain's, not as an alias "@example.test".
      if (size === 'phone') {
        await page.getByLabel('Every address of a domain', { exact: false }).check();
        await page.getByLabel('Delivers to').fill('alice@example.test');
        return 'Catch-all for example.test added.';
      }
      await page.getByLabel('Local part').fill('sales');
      await page.getByLabel('Delivers to').fill('alice@example.test\nbob@remote.example');
      return 'Alias sales@example.test added.';
    },
  },
  {
    kind: 'mailbox',
    list: '/mailboxes',
    button: 'New mailbox',
    form: 'New mailbox',
    firstField: 'localPart',
    submit: 'Create mailbox',
    async refuse(page) {
      await page.getByLabel('Local part (before @)').fill('alice');
      await page.getByLabel('Domain', { exact: true }).selectOption('example.test');
      await page.getByLabel('Display name').fill('Alice Again');
      await page.getByLabel('Password', { exact: true }).fill('Another-Strong-Pass-42');
      return { field: 'address', error: 'alice@example.test already exists', kept: ['Display name', 'Alice Again'] };
    },
    async accept(page, size) {
      await page.getByLabel('Local part (before @)').fill(`${size}-user`);
      await page.getByLabel('Password', { exact: true }).fill('Another-Strong-Pass-42');
      return `Created ${size}-user@example.test.`;
    },
  },
];

describe('one create pattern for domains, aliases and mailboxes', () => {
  for (const size of ['desktop', 'phone'] as const) {
    for (const k of KINDS) {
      it(`${k.kind} at ${size} size: list button, focused first field, Cancel, refusal kept, success named on the list`, async () => {
        const page = await open(size);
        const shot = (step: string) => screenshot(page, `create-${k.kind}-${size}-${step}`);
        await page.goto(k.list);
        const button = page.getByRole('main').getByRole('link', { name: k.button, exact: true });
        expect(await button.getAttribute('href')).toMatch(new RegExp(`^${k.list}/new`));
        await shot('1-list');

        // Cancel goes back to the list and adds nothing.
        await button.click();
        await page.waitForURL((u) => u.pathname === `${k.list}/new`);
        await page.getByRole('link', { name: 'Cancel' }).click();
        await page.waitForURL((u) => u.pathname === k.list);

        await button.click();
        await page.waitForURL((u) => u.pathname === `${k.list}/new`);
        const form = page.getByRole('form', { name: k.form });
        await form.waitFor();
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(k.firstField);
        await page.getByRole('link', { name: `← ${k.list.slice(1, 2).toUpperCase()}${k.list.slice(2)}` }).waitFor();
        expect(await overflow(page)).toBe(0);
        await shot('2-form');

        const refused = await k.refuse(page, size);
        await form.getByRole('button', { name: k.submit }).click();
        const error = form.locator(`[data-field-error="${refused.field}"]`);
        await expect.poll(() => error.textContent()).toContain(refused.error);
        expect(await error.getAttribute('aria-live')).toBe('polite');
        expect(new URL(page.url()).pathname).toBe(`${k.list}/new`);
        expect(await form.getByLabel(refused.kept[0], { exact: true }).inputValue()).toBe(refused.kept[1]);
        expect(await overflow(page)).toBe(0);
        await shot('3-refused');

        const confirmation = await k.accept(page, size);
        await form.getByRole('button', { name: k.submit }).click();
        await page.waitForURL((u) => u.pathname === k.list);
        await page.getByRole('status').filter({ hasText: confirmation }).waitFor();
        expect(await overflow(page)).toBe(0);
        await shot('4-added');
        await page.context().close();
      }, 120_000);
    }
  }

  it('a link naming something that was not added announces nothing', async () => {
    const page = await open('desktop');
    await page.goto('/domains?created=never-added.example');
    await page.getByRole('table', { name: 'Domains' }).waitFor();
    await expect(page.getByText('Added never-added.example').count()).resolves.toBe(0);
    await page.goto('/aliases?created=nobody%40example.test');
    await page.getByRole('heading', { name: 'Aliases', exact: true }).waitFor();
    await expect(page.getByText('nobody@example.test added').count()).resolves.toBe(0);
    await page.context().close();
  });
});
