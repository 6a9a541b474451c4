// The panel's shell as a new administrator meets it, in Chromium at desktop (1280×800) and
// phone (390×844) sizes, light and dark: the first-run checklist, the phone menu, no page
// wider than a phone, axe-core on every admin page, the audit log's names and diffs, and
// the generated first-admin password that must be changed before anything else.
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addAdmin } from '@/lib/admins';
import { createAlias } from '@/lib/aliases';
import { ensureActiveCertificate } from '@/lib/certificates/active-certificates';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { seedMessage } from '@/lib/queue/seed';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import { SCREENSHOTS } from './browser';
import { createAdmin, launchBrowser, login, screenshot, startPanel, type AdminFixture, type Panel } from './index';

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
type Size = keyof typeof SIZES;
type Scheme = 'light' | 'dark';

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let certificateId = '';
/** A message in a mailbox, for its hop path page. */
let messageId = '';

async function open(size: Size, scheme: Scheme, who: AdminFixture = admin): Promise<Page> {
  const context = await browser.newContext({ baseURL: panel.url, colorScheme: scheme, viewport: SIZES[size] });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await login(page, who.email, who.password);
  return page;
}

function adminPages(): string[] {
  return [
    '/',
    '/domains',
    '/domains/new',
    '/domains/example.test',
    '/domains/example.test/dns',
    '/domains/example.test/dkim',
    '/mailboxes',
    '/mailboxes/new',
    '/mailboxes/import',
    '/mailboxes/alice%40example.test',
    '/aliases',
    '/aliases/new',
    '/certificates',
    `/certificates/${certificateId}`,
    '/certificates/acme',
    '/certificates/ca/new',
    '/certificates/csr',
    '/certificates/issue',
    '/certificates/smime',
    '/certificates/upload',
    '/tls',
    '/tls/analyze',
    '/tls/authentication',
    '/tls/impact',
    '/tls/reports',
    '/tls/mailboxes/alice%40example.test',
    `/tls/messages/${messageId}`,
    '/queue',
    '/queue/QSHELL001',
    '/deliveries',
    '/policies',
    '/alerts',
    '/tokens',
    '/audit',
    '/admins',
    '/admins/me',
    '/admins/me/totp',
  ];
}

const shotName = (route: string) => route.replace(/^\/$/, 'dashboard').replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-');

beforeAll(async () => {
  panel = await startPanel();
  admin = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  browser = await launchBrowser();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

describe('first run', () => {
  it('the dashboard lists the first steps, each linking to its page, none ticked yet', async () => {
    const page = await open('desktop', 'light');
    const list = page.getByRole('list', { name: 'First steps' });
    await list.waitFor();
    const steps = [
      ['Add a domain', '/domains/new'],
      ['Publish the DNS records', '/domains'],
      ['Create a mailbox', '/mailboxes/new'],
      ['Install a certificate', '/certificates'],
    ] as const;
    for (const [name, href] of steps) {
      const link = list.getByRole('link', { name });
      expect(await link.getAttribute('href')).toBe(href);
      expect(await list.locator('li', { has: page.getByRole('link', { name }) }).getAttribute('data-done')).toBe('false');
    }
    await screenshot(page, 'shell-first-run');
    await page.context().close();
  });
});

describe('with content', () => {
  beforeAll(async () => {
    const db = panel.db.prisma;
    await addDomain(db, SYSTEM, { name: 'example.test' });
    const alice = await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: 'Correct-Horse-9-Battery', name: 'Alice' });
    await createAlias(db, SYSTEM, { source: 'sales@example.test', destinations: ['alice@example.test'] });
    await seedMessage(db, { queueId: 'QSHELL001', mailFrom: 'alice@example.test', authUser: 'alice@example.test', minutesAgo: 10, recipients: [{ rcpt: 'bob@remote.example' }] });
    const pool = new pg.Pool({ connectionString: panel.db.url });
    try {
      await ensureActiveCertificate(pool, 'mail.example.test', panel.masterKey);
      const raw = Buffer.from(
        'Received: from client.example (client.example [192.0.2.10]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n' +
          '\tby mail.example.test (Postern) with ESMTPS id QSHELL002; Mon, 30 Nov 2026 10:00:00 +0000\r\nSubject: hop path\r\nFrom: s@sender.example\r\n\r\nbody\r\n',
      );
      await acceptMessage(pool, {
        listener: 'mx', clientIp: '192.0.2.10', clientName: 'client.example', helo: 'client.example', recipients: ['alice@example.test'], mailboxIds: [alice.mailbox.id],
        remoteRecipients: [], forwarded: [], authUser: null, protocol: 'ESMTPS', receivedAt: new Date(), queueId: 'QSHELL002', raw, mailFrom: 's@sender.example',
        tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256, mode: 'starttls', sni: null, clientCert: null },
      });
      messageId = (await pool.query<{ id: string }>(`SELECT m.id FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1 LIMIT 1`, [alice.mailbox.id])).rows[0].id;
    } finally {
      await pool.end();
    }
    const ca = await createCa(db, SYSTEM, { commonName: 'Example Test CA' });
    const issued = await issueServerCertificate(db, SYSTEM, { hosts: ['imap.example.test', 'a-rather-long-host-name-for-wrapping.example.test'], caId: ca.id });
    certificateId = issued.id;
  }, 120_000);

  it('a self-signed certificate is a warning on the dashboard; the first steps tick what is done', async () => {
    const page = await open('desktop', 'light');
    const card = page.getByTestId('certificate-card');
    expect(await card.getByTestId('certificate-overall').getAttribute('data-tone')).toBe('warn');
    await card.getByText('self-signed').first().waitFor();
    const list = page.getByRole('list', { name: 'First steps' });
    expect(await list.locator('li', { has: page.getByRole('link', { name: 'Add a domain' }) }).getAttribute('data-done')).toBe('true');
    expect(await list.locator('li', { has: page.getByRole('link', { name: 'Create a mailbox' }) }).getAttribute('data-done')).toBe('true');
    expect(await list.locator('li', { has: page.getByRole('link', { name: 'Install a certificate' }) }).getAttribute('data-done')).toBe('false');
    expect(await page.getByTestId('queue-card').getAttribute('href')).toBe('/queue');
    await page.context().close();
  });

  it('on a phone the navigation is a menu button: Escape closes it and gives focus back', async () => {
    const page = await open('phone', 'light');
    const button = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.getByRole('link', { name: 'Audit log' }).isVisible()).toBe(false);
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Dashboard');
    for (const name of ['Dashboard', 'Certificates', 'Audit log', 'Admins']) expect(await nav.getByRole('link', { name }).isVisible()).toBe(true);
    await screenshot(page, 'shell-phone-menu-open');
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-expanded'))).toBe('false');
    await button.click();
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL((u) => u.pathname === '/audit');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    // The signed-in name leads to the admin's own account page.
    expect(await page.getByTestId('signed-in-admin').getByRole('link').getAttribute('href')).toBe('/admins/me');
    // On a desktop there is no menu button: the sections are listed.
    await page.setViewportSize(SIZES.desktop);
    expect(await button.isVisible()).toBe(false);
    expect(await nav.getByRole('link', { name: 'Audit log' }).isVisible()).toBe(true);
    await page.context().close();
  });

  it('the audit log names certificates by host, keeps the diff in an expandable row, and tables are cards on a phone', async () => {
    const page = await open('phone', 'light');
    await page.goto('/audit?action=certificate.issue');
    const row = page.locator('[data-audit-action="certificate.issue"]').first();
    await row.getByText('imap.example.test', { exact: false }).first().waitFor();
    expect(await row.textContent()).not.toContain(certificateId);
    const details = row.locator('details');
    expect(await details.count()).toBe(1);
    await details.locator('summary').click();
    await details.locator('[data-diff-path="hosts"]').waitFor();
    // Cards: each cell names its column.
    expect(await row.locator('td').first().getAttribute('data-label')).toBe('Time (UTC)');
    await screenshot(page, 'shell-audit-phone');
    await page.context().close();
  });

  it('the create-admin form starts at the domain-admin role', async () => {
    const page = await open('desktop', 'light');
    await page.goto('/admins');
    const form = page.getByRole('form', { name: 'New admin' });
    expect(await form.getByLabel('Domain admin', { exact: false }).isChecked()).toBe(true);
    expect(await form.getByLabel('Global admin', { exact: false }).isChecked()).toBe(false);
    await page.context().close();
  });

  const findings: Record<string, unknown>[] = [];
  afterAll(() => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS, 'axe-findings.json'), JSON.stringify(findings, null, 2));
  });

  for (const size of ['phone', 'desktop'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`every admin page at ${size} size in ${scheme}: no sideways scrolling on a phone, no serious or critical axe violation on any page`, async () => {
        const page = await open(size, scheme);
        const wide: string[] = [];
        const violations: string[] = [];
        for (const route of adminPages()) {
          const response = await page.goto(route);
          expect(response?.status(), route).toBe(200);
          await page.getByTestId('signed-in-admin').waitFor();
          await screenshot(page, `shell-${shotName(route)}-${size}-${scheme}`);
          if (size === 'phone') {
            const widths = await page.evaluate(() => {
              const limit = document.documentElement.clientWidth;
              const offenders = [...document.querySelectorAll('main *')]
                .filter((e) => e.getBoundingClientRect().right > limit + 1 && getComputedStyle(e).position !== 'fixed')
                .slice(0, 3)
                .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].slice(0, 4).join('.')}`);
              return { scroll: document.scrollingElement!.scrollWidth, offenders };
            });
            if (widths.scroll > SIZES.phone.width) wide.push(`${route}: ${widths.scroll}px (${widths.offenders.join(', ')})`);
          }
          const result = await new AxeBuilder({ page }).analyze();
          for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
            const entry = { route, size, scheme, rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) };
            findings.push(entry);
            violations.push(`${route} ${v.id}: ${entry.nodes.map((n) => n.target).join(' | ')}`);
          }
        }
        expect(wide).toEqual([]);
        expect(violations).toEqual([]);
        await page.context().close();
      }, 600_000);
    }
  }
});

describe('a generated first-admin password', () => {
  it('must be changed at the first sign-in before any other page', async () => {
    const { admin: created, generatedPassword } = await addAdmin(panel.db.prisma, SYSTEM, { email: 'first@example.test', role: 'GLOBAL' });
    expect(generatedPassword).toBeTruthy();
    const context = await browser.newContext({ baseURL: panel.url, viewport: SIZES.desktop });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(created.email);
    await page.getByLabel('Password', { exact: true }).fill(generatedPassword!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/admins/me');
    await page.getByText('choose your own password', { exact: false }).waitFor();
    for (const route of ['/', '/domains', '/admins']) {
      await page.goto(route);
      expect(new URL(page.url()).pathname, route).toBe('/admins/me');
    }
    await screenshot(page, 'shell-password-required');
    const next = 'My-Own-Long-Passphrase-42';
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill(generatedPassword!);
    await form.getByLabel('New password', { exact: true }).fill(next);
    await form.getByLabel('New password again').fill(next);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed').waitFor();
    const row = await panel.db.prisma.admin.findUnique({ where: { email: created.email }, select: { mustChangePassword: true } });
    expect(row?.mustChangePassword).toBe(false);
    await context.close();
    // The new password signs in straight to the dashboard.
    const again = await open('desktop', 'light', { id: created.id, email: created.email, password: next });
    expect(new URL(again.url()).pathname).toBe('/');
    await again.context().close();
  });
});
