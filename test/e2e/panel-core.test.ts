// Over 300 lines: the core pages in one browser session on one built panel.
import fs from 'node:fs';
import path from 'node:path';
import { encode } from 'next-auth/jwt';
import * as OTPAuth from 'otpauth';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { hashPassword } from '@/lib/auth/password';
import { seal } from '@/lib/crypto/seal';
import { GLOBAL_POLICY_ID } from '@/lib/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createAdmin, launchBrowser, login, newContext, screenshot, signInHttp, startPanel, type AdminFixture, type Panel } from './index';
import { ROOT } from './build';

// The panel in Chromium, as a new admin uses it: refused without a session, sign-in
// (wrong password refused, throttled after repeated failures), a domain, a mailbox
// (weak password refused, then created), duplicate as a field error, search, quota
// edit, delete with a confirmation naming the address, sign-out.

const ALL_PAGES = [
  '/',
  '/domains',
  '/domains/new',
  '/mailboxes',
  '/mailboxes/new',
  '/mailboxes/alice%40example.test',
  '/aliases',
  '/aliases/new',
  '/certificates',
  '/tls',
  '/policies',
  '/audit',
  '/admins',
];
// Panel pages not built yet answer 404; every page that exists must refuse.
const PAGES = ALL_PAGES.filter((p) => {
  const section = p.split('/')[1];
  return !section || fs.existsSync(path.join(ROOT, 'app/(admin)', section, 'page.tsx'));
});
const GiB = 1024 ** 3;

let panel: Panel;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: AdminFixture;

beforeAll(async () => {
  panel = await startPanel();
  admin = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  browser = await launchBrowser();
  context = await newContext(browser, panel.url);
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

describe('without a session', () => {
  it('every page redirects to the login page', async () => {
    for (const path of PAGES) {
      const res = await fetch(panel.url + path, { redirect: 'manual' });
      expect([307, 308], path).toContain(res.status);
      expect(new URL(res.headers.get('location')!, panel.url).pathname, path).toBe('/login');
    }
  });

  it('a forged session cookie passes the proxy but not the server-side check', async () => {
    const cookie = 'next-auth.session-token=forged';
    for (const path of PAGES) {
      const res = await fetch(panel.url + path, { redirect: 'manual', headers: { cookie } });
      expect([307, 308], path).toContain(res.status);
      expect(new URL(res.headers.get('location')!, panel.url).pathname, path).toBe('/login');
    }
    const api = await fetch(`${panel.url}/api/mailboxes`, { headers: { cookie } });
    expect(api.status).toBe(401);
  });

  it('API routes answer 401; health and the login page are public', async () => {
    expect((await fetch(`${panel.url}/api/mailboxes`)).status).toBe(401);
    expect((await fetch(`${panel.url}/api/anything-else`)).status).toBe(401);
    // Public, and no mail daemon runs beside this panel (test/e2e/health.test.ts has one).
    const health = await fetch(`${panel.url}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'no mail daemon', alive: 0, daemons: [] });
    expect((await fetch(`${panel.url}/login`)).status).toBe(200);
  });
});

describe('an admin in the browser', () => {
  it('a wrong password is refused and audited', async () => {
    await page.goto('/login');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), 'Wrong email or password.');
    await screenshot(page, 'login-wrong-password');
    const rows = await panel.db.prisma.auditLog.findMany({ where: { action: 'admin.login.failed', target: admin.email } });
    expect(rows).toHaveLength(1);
    expect(rows[0].ip).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('signs in and sees the dashboard', async () => {
    await login(page, admin.email, admin.password);
    await expectText(page.getByTestId('signed-in-admin'), admin.email);
    await expectText(page.getByTestId('daemon-status'), 'offline');
    // a daemon that reported a second ago is online, with its listeners
    const now = Date.now();
    await panel.db.prisma.daemonStatus.create({
      data: {
        instanceId: 'e2e-daemon',
        hostname: 'mx1.example.test',
        version: '9.9.9',
        startedAt: new Date(now - 3_600_000),
        heartbeatAt: new Date(now - 1000),
        listeners: [{ name: 'smtp', port: 2525, tls: 'starttls' }, { name: 'imaps', port: 2993, tls: 'implicit' }],
      },
    });
    await page.reload();
    const daemon = page.getByTestId('daemon-status');
    await expectText(daemon, 'online');
    await expectText(daemon, 'smtp :2525');
    await expectText(daemon, '9.9.9');
    await expectText(daemon, '1h 0m');
    await screenshot(page, 'dashboard');
    const dark = await (await newContext(browser, panel.url, 'dark')).newPage();
    await dark.context().addCookies(await context.cookies());
    await dark.goto('/');
    await screenshot(dark, 'dashboard-dark');
    await dark.context().close();
  });

  it('adds a domain, and an IDN domain in canonical form', async () => {
    // The list's New domain button leads to the form; a success comes back to the list.
    const addDomain = async (name: string) => {
      await page.getByRole('link', { name: 'New domain' }).click();
      await page.waitForURL((u) => u.pathname === '/domains/new');
      await page.getByLabel('Domain name').fill(name);
      await page.getByRole('button', { name: 'Add domain' }).click();
    };
    await page.getByRole('link', { name: 'Domains' }).click();
    await addDomain('example.test');
    await page.waitForURL((u) => u.pathname === '/domains');
    await expectText(page.getByRole('status'), 'Added example.test.');
    await addDomain('Bücher.Example');
    // Stored in canonical (A-label) form, announced as people read it, the A-label on hover.
    await expectText(page.getByRole('status'), 'Added bücher.example.');
    expect(await page.getByRole('status').getByText('bücher.example').getAttribute('title')).toBe('xn--bcher-kva.example');
    await page.locator('tr[data-domain="xn--bcher-kva.example"]').waitFor();
    await screenshot(page, 'domains');
    await addDomain('example.test');
    await expectText(page.locator('[data-field-error="domain-name"]'), 'example.test already exists');
    // Refused: still the form, with what was typed.
    expect(new URL(page.url()).pathname).toBe('/domains/new');
    expect(await page.getByLabel('Domain name').inputValue()).toBe('example.test');
    await screenshot(page, 'domain-duplicate');
    expect(await panel.db.prisma.domain.count()).toBe(2);
  });

  it('refuses a weak password with a clear message, then creates the mailbox', async () => {
    // a domain's own password policy drives the live feedback for that domain
    const idn = await panel.db.prisma.domain.findUniqueOrThrow({ where: { name: 'xn--bcher-kva.example' } });
    await panel.db.prisma.policy.create({ data: { domainId: idn.id, settings: { password: { minLength: 16 } } } });
    await page.goto('/mailboxes/new');
    await page.getByLabel('Domain', { exact: true }).selectOption('xn--bcher-kva.example');
    await expectText(page.locator('form'), 'at least 16 characters');
    await page.getByLabel('Local part (before @)').fill('alice');
    await page.getByLabel('Domain', { exact: true }).selectOption('example.test');
    await expectText(page.locator('form'), 'at least 12 characters');
    await page.getByLabel('Display name').fill('Alice Example');
    await page.getByLabel('Quota', { exact: true }).fill('500');
    await page.getByLabel('Quota unit').selectOption('M');
    await page.getByLabel('Password', { exact: true }).fill('alice123');
    // live feedback, before submitting
    await expectText(page.getByTestId('password-rules'), '✗ at least 12 characters');
    await expectText(page.getByTestId('password-rules'), '✗ must not contain the name before "@"');
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await expectText(page.locator('[data-field-error="password"]'), 'too weak');
    await screenshot(page, 'mailbox-weak-password');
    expect(await panel.db.prisma.mailbox.count()).toBe(0);

    // the refused submit kept everything that was typed and chosen
    expect(await page.getByLabel('Display name').inputValue()).toBe('Alice Example');
    expect(await page.getByLabel('Quota', { exact: true }).inputValue()).toBe('500');
    expect(await page.getByLabel('Quota unit').inputValue()).toBe('M');
    expect(await page.getByLabel('Domain', { exact: true }).inputValue()).toBe('example.test');
    await page.getByLabel('Password', { exact: true }).fill('Correct-Horse-9-Battery');
    await expectText(page.getByTestId('password-rules'), 'Strong');
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await page.waitForURL(/\/mailboxes\?q=alice%40example\.test/);
    await expectText(page.getByRole('status'), 'Created alice@example.test.');
    await page.locator('tr[data-address="alice@example.test"]').waitFor();
    await screenshot(page, 'mailbox-created');
    const row = await panel.db.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } });
    expect(row.displayName).toBe('Alice Example');
    expect(Number(row.quotaBytes)).toBe(500 * 1024 ** 2);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('a duplicate address is a field error, not a 500', async () => {
    await page.goto('/mailboxes/new');
    await page.getByLabel('Local part (before @)').fill('Alice');
    await page.getByLabel('Domain', { exact: true }).selectOption('example.test');
    await page.getByLabel('Password', { exact: true }).fill('Another-Strong-Pass-42');
    await page.getByRole('button', { name: 'Create mailbox' }).click();
    await expectText(page.locator('[data-field-error="address"]'), 'alice@example.test already exists');
    await screenshot(page, 'mailbox-duplicate');
  });

  it('search finds the mailbox among others', async () => {
    const domain = await panel.db.prisma.domain.findUniqueOrThrow({ where: { name: 'example.test' } });
    await panel.db.prisma.mailbox.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        domainId: domain.id,
        localPart: `user${i}`,
        address: `user${i}@example.test`,
        passwordHash: 'x',
        quotaBytes: BigInt(GiB),
      })),
    });
    await page.goto('/mailboxes');
    await expectText(page.locator('nav[aria-label="Pagination"]'), '121 total');
    await page.getByLabel('Search mailboxes').fill('alic');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=alic/);
    const rows = page.locator('tbody tr[data-address]');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-address')).toBe('alice@example.test');
    await screenshot(page, 'mailbox-search');
    const phone = await browser.newContext({ baseURL: panel.url, viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    await small.goto('/mailboxes');
    await screenshot(small, 'mailboxes-phone-dark');
    await phone.close();
    // sort by address descending, page 2 via the API the page shares
    const res = await context.request.get('/api/mailboxes?sort=address&order=desc&page=2&pageSize=50');
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(body.total).toBe(121);
    expect(body.rows).toHaveLength(50);
  });

  it('edits the quota', async () => {
    await page.goto('/mailboxes?q=alice');
    await page.getByRole('link', { name: 'alice@example.test' }).click();
    await page.waitForURL(/\/mailboxes\/alice(%40|@)example\.test$/);
    await page.getByLabel('Quota', { exact: true }).fill('2');
    await page.getByLabel('Quota unit').selectOption('G');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expectText(page.getByRole('status').filter({ hasText: 'Saved' }), 'Saved alice@example.test.');
    const row = await panel.db.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } });
    expect(Number(row.quotaBytes)).toBe(2 * GiB);
    expect(await page.getByLabel('Quota unit').inputValue()).toBe('G');
    await screenshot(page, 'mailbox-edit-quota');
    const audit = await panel.db.prisma.auditLog.findFirst({ where: { action: 'mailbox.update', target: 'alice@example.test' } });
    expect(audit?.actor).toBe(admin.email);
  });

  it('resets the password (weak refused, generated shown once) and disables the mailbox', async () => {
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expectText(page.locator('[data-field-error="new-password"]'), 'too weak');
    await page.getByLabel('New password').fill('');
    await page.getByRole('button', { name: 'Set password' }).click();
    const generated = (await page.getByTestId('generated-password').textContent())!.trim();
    expect(generated).toHaveLength(20);
    const login = await verifyMailboxLogin(panel.db.prisma, { address: 'alice@example.test', password: generated, ip: '192.0.2.1', service: 'imap' });
    expect(login.ok).toBe(true);
    await screenshot(page, 'mailbox-password-generated');

    await page.getByRole('button', { name: 'Disable mailbox' }).click();
    await page.getByRole('button', { name: 'Enable mailbox' }).waitFor();
    const row = await panel.db.prisma.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } });
    expect(row.enabled).toBe(false);
  });

  it('deletes the mailbox after a confirmation that names the address', async () => {
    await page.getByRole('button', { name: 'Delete mailbox' }).click();
    const dialog = page.getByRole('dialog');
    await expectText(dialog, 'Delete alice@example.test?');
    await screenshot(page, 'mailbox-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete alice@example.test' }).click();
    await page.waitForURL(/deleted=alice/);
    await expectText(page.getByRole('status'), 'Deleted alice@example.test.');
    expect(await panel.db.prisma.mailbox.findUnique({ where: { address: 'alice@example.test' } })).toBeNull();
  });

  it('refuses to delete a domain that has mailboxes unless confirmed; deletes an empty one', async () => {
    await page.goto('/domains');
    const busy = page.locator('tr[data-domain="example.test"]');
    await busy.getByRole('button', { name: 'Delete' }).click();
    let dialog = page.getByRole('dialog');
    await expectText(dialog, 'example.test still has 120 mailbox(es)');
    await dialog.getByRole('button', { name: 'Delete example.test' }).click();
    await expectText(dialog.getByRole('alert'), 'still has 120 mailbox(es)');
    await screenshot(page, 'domain-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await panel.db.prisma.domain.count({ where: { name: 'example.test' } })).toBe(1);

    const empty = page.locator('tr[data-domain="xn--bcher-kva.example"]');
    await empty.getByRole('button', { name: 'Disable' }).click();
    await empty.getByText('disabled', { exact: true }).waitFor();
    await empty.getByRole('button', { name: 'Delete' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete bücher.example' }).click();
    await empty.waitFor({ state: 'detached' });
    expect(await panel.db.prisma.domain.count({ where: { name: 'xn--bcher-kva.example' } })).toBe(0);
  });

  it('sessions expire: the cookie lives 12 h, an expired or deleted admin\'s token opens nothing', async () => {
    const session = (await context.cookies()).find((c) => c.name === 'next-auth.session-token')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    const hours = (session.expires * 1000 - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);

    // A token names its session row (lib/admins/sessions.ts); one without a row opens nothing.
    const token = async (maxAge: number, sub = admin.id) => {
      const { id: sid } = await panel.db.prisma.adminSession.create({ data: { adminId: sub, expiresAt: new Date(Date.now() + 3_600_000) } });
      return encode({ token: { sub, email: admin.email, sid }, secret: panel.sessionSecret, maxAge });
    };
    const open = async (value: string) =>
      (await fetch(`${panel.url}/mailboxes`, { redirect: 'manual', headers: { cookie: `next-auth.session-token=${value}` } })).status;
    expect(await open(await token(60))).toBe(200); // control: a fresh token signed with the panel's key works
    expect(await open(await token(-60))).toBe(307); // expired a minute ago
    expect(await open(await encode({ token: { sub: admin.id, email: admin.email }, secret: panel.sessionSecret, maxAge: 60 }))).toBe(307); // signed, but names no session
    const gone = await createAdmin(panel.db.prisma);
    const goneToken = await token(3600, gone.id);
    expect(await open(goneToken)).toBe(200);
    await panel.db.prisma.admin.delete({ where: { id: gone.id } });
    expect(await open(goneToken)).toBe(307); // still signed and unexpired, but the admin is gone
  });

  it('signs out; the pages are closed again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto('/mailboxes');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'admin.logout', actor: admin.email } })).toBe(1);
  });

  it('asks for the TOTP code when enrolled; accepts a current code or a recovery code once', async () => {
    const secret = new OTPAuth.Secret({ size: 20 });
    const totp = new OTPAuth.TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' });
    const enrolled = await createAdmin(panel.db.prisma, { email: 'totp@example.test' });
    await panel.db.prisma.admin.update({
      where: { id: enrolled.id },
      data: {
        totpEnabled: true,
        totpSecret: seal(secret.base32, panel.masterKey),
        recoveryCodes: [await hashPassword('abcd2345efgh')],
      },
    });
    const p = await (await newContext(browser, panel.url)).newPage();
    await p.goto('/login');
    await p.getByLabel('Email').fill(enrolled.email);
    await p.getByLabel('Password', { exact: true }).fill(enrolled.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    const code = p.getByLabel('Authentication code');
    await code.waitFor();
    await screenshot(p, 'login-totp-step');
    await code.fill('000000' === totp.generate() ? '111111' : '000000');
    await p.getByRole('button', { name: 'Verify' }).click();
    await expectText(p.locator('form [role="alert"]'), 'That code is not valid');
    const current = totp.generate();
    await code.fill(current);
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL((u) => u.pathname === '/');
    await expectText(p.getByTestId('signed-in-admin'), enrolled.email);
    // the same code does not open a second session (RFC 6238 §5.2)
    await expect(signInHttp(panel.url, enrolled.email, enrolled.password, current)).rejects.toThrow(/sign-in failed/);

    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(/\/login/);
    await p.getByLabel('Email').fill(enrolled.email);
    await p.getByLabel('Password', { exact: true }).fill(enrolled.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByLabel('Authentication code').fill('ABCD-2345-EFGH');
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL((u) => u.pathname === '/');
    const row = await panel.db.prisma.admin.findUniqueOrThrow({ where: { id: enrolled.id } });
    expect(row.recoveryCodes).toEqual([]);
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'admin.login.totp_failed' } })).toBe(2);
    await p.context().close();
  });

  it('sends an admin without TOTP to enrolment while the policy requires it', async () => {
    const global = { where: { id: GLOBAL_POLICY_ID } };
    const before = await panel.db.prisma.policy.findUniqueOrThrow(global);
    await panel.db.prisma.policy.update({ ...global, data: { settings: { ...(before.settings as object), requireTotp: true } } });
    try {
      const p = await (await newContext(browser, panel.url)).newPage();
      await p.goto('/login');
      await p.getByLabel('Email').fill(admin.email);
      await p.getByLabel('Password', { exact: true }).fill(admin.password);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL((u) => u.pathname.startsWith('/admins/me'));
      await p.getByRole('heading', { name: 'My account' }).waitFor(); // rendered, not just routed
      const res = await p.context().request.get('/mailboxes', { maxRedirects: 0 });
      expect(res.status()).toBe(307);
      expect(res.headers().location).toMatch(/^\/admins\/me\?totp=required/);
      const api = await p.context().request.get('/api/mailboxes');
      expect(api.status()).toBe(401);
      await p.context().close();
    } finally {
      await panel.db.prisma.policy.update({ ...global, data: { settings: before.settings as object } });
    }
  });

  it('throttles sign-in after repeated failures, even with the right password', async () => {
    const victim = await createAdmin(panel.db.prisma, { email: 'victim@example.test' });
    const fresh = await (await newContext(browser, panel.url)).newPage();
    await fresh.goto('/login');
    let throttled = false;
    for (let i = 0; i < 8 && !throttled; i++) {
      await fresh.getByLabel('Email').fill(victim.email);
      await fresh.getByLabel('Password', { exact: true }).fill(`wrong-${i}`);
      await Promise.all([
        fresh.waitForResponse((r) => r.url().includes('/api/auth/callback/credentials')),
        fresh.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await fresh.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      throttled = /Too many/.test((await fresh.locator('form [role="alert"]').textContent()) ?? '');
    }
    expect(throttled).toBe(true);
    await fresh.getByLabel('Password', { exact: true }).fill(victim.password);
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await expectText(fresh.getByRole('alert'), 'Too many failed sign-ins');
    await screenshot(fresh, 'login-throttled');
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'admin.login.throttled' } })).toBeGreaterThan(0);
    await fresh.context().close();
  });
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}
