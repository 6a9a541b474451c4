// Over 300 lines: the remaining pages in one browser session on one built panel.
import fs from 'node:fs';
import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { CHANNELS } from '@/lib/db/channels';
import { NotifyBus } from '@/lib/db/notify';
import { getEffectivePolicy, getPolicyOverride, updatePolicy } from '@/lib/policy';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// Panel pages in a real browser against the production panel server: aliases, policies + audit
// log, domain-admin scope, mailbox CSV import. One panel (and database) for the file.

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
const domains: Record<string, string> = {};
const STRONG = 'Correct-Horse-9-Battery';

async function signedIn(who: AdminFixture = admin, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await (await newContext(browser, panel.url, colorScheme)).newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@example.test' });
  for (const name of ['example.test', 'other.test']) domains[name] = (await addDomain(db, SYSTEM, { name })).id;
  await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: STRONG });
  await createMailbox(db, SYSTEM, { address: 'bob@other.test', password: STRONG });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

describe('aliases', () => {
  it('adds an alias, and refuses a loop and an unknown local destination as field errors', async () => {
    // An older alias pointing at an address that has no mailbox (made before this check existed).
    await panel.db.prisma.alias.create({
      data: { source: 'team@example.test', destinations: ['sales@example.test'], domainId: domains['example.test'] },
    });
    const page = await signedIn();
    await page.goto('/aliases');
    await page.getByRole('link', { name: 'New alias' }).click();
    await page.waitForURL((u) => u.pathname === '/aliases/new');
    await expect(page.getByText('plus-addressing', { exact: false }).first().isVisible()).resolves.toBe(true);

    const form = page.getByRole('form', { name: 'New alias' });
    const source = form.locator('[data-field-error="source"]');
    const destinations = form.locator('[data-field-error="alias-destinations"]');

    // sales → team → sales: a loop.
    await form.getByLabel('Local part').fill('sales');
    await form.getByLabel('Domain', { exact: true }).selectOption('example.test');
    await form.getByLabel('Delivers to').fill('team@example.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => destinations.textContent()).toContain('loop');
    await screenshot(page, 'aliases-loop-refused');

    // The form kept the input; an unknown local destination is refused next.
    await expect(form.getByLabel('Local part').inputValue()).resolves.toBe('sales');
    await form.getByLabel('Delivers to').fill('nobody@example.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => destinations.textContent()).toContain('no local mailbox or alias nobody@example.test');

    // A good one: a local mailbox and a remote address.
    await form.getByLabel('Delivers to').fill('alice@example.test\npartner@remote.example');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await page.locator('[data-alias="sales@example.test"]').waitFor();
    // Accepted: back on the list, which names it; no form (and no source error) left.
    expect(new URL(page.url()).pathname).toBe('/aliases');
    await page.getByRole('status').filter({ hasText: 'Alias sales@example.test added.' }).waitFor();
    await expect(source.count()).resolves.toBe(0);
    const row = await panel.db.prisma.alias.findUnique({ where: { source: 'sales@example.test' } });
    expect(row?.destinations).toEqual(['alice@example.test', 'partner@remote.example']);

    // Editing its destinations runs the same checks: pointing sales at team (→ sales) is a loop.
    const salesRow = page.locator('[data-alias="sales@example.test"]');
    await salesRow.getByText('Edit').click();
    const edit = salesRow.getByRole('form', { name: 'Destinations of sales@example.test' });
    await edit.getByLabel('Delivers to').fill('alice@example.test, team@example.test');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => edit.locator('[data-field-error="destinations"]').textContent()).toContain('loop');
    await edit.getByLabel('Delivers to').fill('alice@example.test');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await panel.db.prisma.alias.findUnique({ where: { source: 'sales@example.test' } }))?.destinations)
      .toEqual(['alice@example.test']);

    // The same source again is a field error, not a 500.
    await page.getByRole('link', { name: 'New alias' }).click();
    await page.waitForURL((u) => u.pathname === '/aliases/new');
    await form.getByLabel('Local part').fill('sales');
    await form.getByLabel('Delivers to').fill('alice@example.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => source.textContent()).toContain('already exists');

    // Catch-all.
    await form.getByLabel('Every address of a domain', { exact: false }).check();
    await form.getByLabel('Domain', { exact: true }).selectOption('example.test');
    await form.getByLabel('Delivers to').fill('alice@example.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await page.locator('[data-alias="@example.test"]').waitFor();
    await page.getByRole('status').filter({ hasText: 'Catch-all for example.test added.' }).waitFor();
    await screenshot(page, 'aliases-created');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'aliases-mobile');
    await page.context().close();
  });
});

describe('policies and the audit log', () => {
  it('saves a global change, shows it in the audit log with before/after, and a domain override can be cleared to inherit', async () => {
    // What a running daemon hears: the NOTIFY sent when the change commits.
    const bus = new NotifyBus(panel.db.url);
    const heard: Record<string, unknown>[] = [];
    await bus.listen(CHANNELS.policy, (payload) => heard.push(payload));
    await bus.start();

    const page = await signedIn();
    await page.goto('/policies');
    const field = page.getByLabel('Maximum recipients per message');
    await expect(field.inputValue()).resolves.toBe('100');
    await field.fill('0');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(() => page.locator('[data-field-error="maxRecipients"]').textContent()).toContain('At least 1');

    await field.fill('50');
    await page.getByLabel('Relay networks').fill('10.0.0.0/8\n300.1.2.3/24');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(() => page.locator('[data-field-error="relayNetworks"]').textContent()).toContain('"300.1.2.3/24"');
    await page.getByLabel('Relay networks').fill('');
    await page.getByLabel('Require TLS on the MX port').check();
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await page.getByText('Global policy saved').waitFor();
    await expect.poll(() => heard).toEqual([{ domainId: null }]);
    const policy = await getEffectivePolicy(panel.db.prisma);
    expect(policy.maxRecipients).toBe(50);
    expect(policy.requireTlsMx).toBe(true);
    await screenshot(page, 'policies-global-saved');

    await field.fill('40');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(async () => (await getEffectivePolicy(panel.db.prisma)).maxRecipients).toBe(40);

    // The audit log: newest first, with the diff of each save.
    await page.goto('/audit?action=policy.');
    const entries = page.locator('[data-audit-action="policy.update"]');
    await expect.poll(() => entries.count()).toBe(2);
    const newest = entries.nth(0).locator('[data-diff-path="maxRecipients"]');
    await expect(newest.locator('[data-diff-before]').textContent()).resolves.toBe('50');
    await expect(newest.locator('[data-diff-after]').textContent()).resolves.toBe('40');
    const first = entries.nth(1);
    await expect(first.locator('[data-diff-path="maxRecipients"] [data-diff-before]').textContent()).resolves.toBe('(inherited)');
    await expect(first.locator('[data-diff-path="maxRecipients"] [data-diff-after]').textContent()).resolves.toBe('50');
    await expect(first.locator('[data-diff-path="requireTlsMx"] [data-diff-after]').textContent()).resolves.toBe('true');
    await expect(entries.nth(0).textContent()).resolves.toContain(admin.email);
    await expect(entries.nth(0).textContent()).resolves.toContain('127.0.0.1');
    await screenshot(page, 'audit-policy-diff');

    // Date filters (UTC days): today has them, yesterday has none.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.goto(`/audit?action=policy.&from=${today}&to=${today}`);
    await expect.poll(() => entries.count()).toBe(2);
    await page.goto(`/audit?action=policy.&to=${yesterday}`);
    await page.getByText('No entries match.').waitFor();

    // Filter by actor that never acted: nothing.
    await page.goto('/audit?actor=nobody%40example.test');
    await page.getByText('No entries match.').waitFor();

    // A domain override (a per-domain setting: the message size), then back to inherit.
    const MiB = 1024 ** 2;
    await page.goto(`/policies?domain=${domains['example.test']}`);
    await expect(page.getByLabel('Maximum recipients per message: inherit or override').count()).resolves.toBe(0); // server-wide only
    const mode = page.getByLabel('Maximum message size: inherit or override');
    await expect(mode.inputValue()).resolves.toBe('inherit');
    await mode.selectOption('override');
    await page.getByLabel('Maximum message size', { exact: true }).fill('25M');
    await page.getByRole('button', { name: 'Save domain overrides' }).click();
    await page.getByText('Domain overrides saved').waitFor();
    expect((await getEffectivePolicy(panel.db.prisma, domains['example.test'])).maxMessageBytes).toBe(25 * MiB);
    expect((await getEffectivePolicy(panel.db.prisma, domains['other.test'])).maxMessageBytes).toBe(50 * MiB);
    // The domain still follows the global policy in everything else.
    expect((await getEffectivePolicy(panel.db.prisma, domains['example.test'])).maxRecipients).toBe(40);
    await expect(mode.inputValue()).resolves.toBe('override');
    await page.reload();
    await expect(mode.inputValue()).resolves.toBe('override');
    await expect(page.getByLabel('Maximum message size', { exact: true }).inputValue()).resolves.toBe('25M');
    await screenshot(page, 'policies-domain-override');

    await mode.selectOption('inherit');
    await page.getByRole('button', { name: 'Save domain overrides' }).click();
    await expect.poll(async () => (await getEffectivePolicy(panel.db.prisma, domains['example.test'])).maxMessageBytes).toBe(50 * MiB);
    expect(heard).toContainEqual({ domainId: domains['example.test'] });
    await bus.close();
    await page.context().close();
  });
});

describe('domain admin scope', () => {
  it('sees only its domains and never the admins page or the policies', async () => {
    await panel.db.prisma.alias.create({ data: { source: 'info@other.test', destinations: ['bob@other.test'], domainId: domains['other.test'] } });
    const domainAdmin = await createAdmin(panel.db.prisma, { email: 'dom@example.test', domainIds: [domains['example.test']] });
    const page = await signedIn(domainAdmin, 'dark');

    await page.goto('/mailboxes');
    await page.getByText('alice@example.test').first().waitFor();
    await expect(page.getByText('bob@other.test').count()).resolves.toBe(0);
    await page.goto('/mailboxes?q=bob');
    await expect(page.getByText('bob@other.test').count()).resolves.toBe(0);
    const direct = await page.goto('/mailboxes/bob%40other.test');
    expect(direct?.status()).toBe(404);

    await page.goto('/aliases');
    await expect(page.locator('[data-alias="info@other.test"]').count()).resolves.toBe(0);
    await expect(page.getByRole('option', { name: 'other.test' }).count()).resolves.toBe(0);
    await page.goto('/aliases/new');
    await page.getByRole('form', { name: 'New alias' }).waitFor();
    await expect(page.getByRole('option', { name: 'other.test' }).count()).resolves.toBe(0);
    // Only a global admin adds domains: no button, and the page sends a domain admin home.
    await page.goto('/domains');
    await expect(page.getByRole('link', { name: 'New domain' }).count()).resolves.toBe(0);
    await page.goto('/domains/new');
    await page.waitForURL((u) => u.pathname === '/');

    await page.goto('/admins');
    await page.waitForURL((u) => u.pathname === '/admins/me');
    await expect(page.getByText(admin.email).count()).resolves.toBe(0);
    await screenshot(page, 'domain-admin-account-dark');

    // An import naming another tenant's domain is refused row by row.
    await page.goto('/mailboxes/import');
    const csv = 'address,name\nnew@example.test,New\nintruder@other.test,Intruder\n';
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'x.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByRole('heading', { name: /Dry run: 1 to create, 1 with problems/ }).waitFor();
    await expect(page.locator('[data-import-line="3"]').textContent()).resolves.toContain('not one of your domains');

    await page.goto('/policies');
    await page.waitForURL((u) => u.pathname === '/');
    await page.context().close();
  });
});

describe('admins', () => {
  it('adds a domain admin with a scope and a generated password, refuses a duplicate, removes it; changes its own password', async () => {
    const page = await signedIn();
    await page.goto('/admins');
    const form = page.getByRole('form', { name: 'New admin' });
    await form.getByLabel('Email').fill('helper@example.test');
    await form.getByLabel('Domain admin', { exact: false }).check();
    await form.getByRole('button', { name: 'Add admin' }).click();
    await expect.poll(() => form.locator('[data-field-error="domains"]').textContent()).toContain('at least one domain');
    await form.getByLabel('other.test').check();
    await form.getByRole('button', { name: 'Add admin' }).click();
    const generated = await form.getByTestId('generated-password').textContent();
    expect(generated?.length).toBeGreaterThanOrEqual(16);
    await page.locator('[data-admin="helper@example.test"]').waitFor();
    const row = await panel.db.prisma.admin.findUnique({ where: { email: 'helper@example.test' }, include: { domains: true } });
    expect(row?.role).toBe('DOMAIN');
    expect(row?.domains.map((d) => d.domainId)).toEqual([domains['other.test']]);
    await screenshot(page, 'admins-added');

    await form.getByLabel('Email').fill('helper@example.test');
    await form.getByLabel('Initial password').fill(STRONG);
    // The form starts again at the domain-admin role: a domain makes the rest of it valid.
    await form.getByLabel('other.test').check();
    await form.getByRole('button', { name: 'Add admin' }).click();
    await expect.poll(() => form.locator('[data-field-error="admin-email"]').textContent()).toContain('already an admin');

    const entry = page.locator('[data-admin="helper@example.test"]');
    await entry.getByText('Forgot their password?').click();
    await entry.getByRole('button', { name: 'Generate a new password' }).click();
    const fresh = entry.getByRole('form', { name: 'New password for helper@example.test' }).locator('code');
    await fresh.waitFor();
    const relogin = await verifyAdminLogin(panel.db.prisma, { email: 'helper@example.test', password: (await fresh.textContent())!, ip: '127.0.0.1' });
    expect(relogin.ok).toBe(true);

    await entry.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove admin' }).click();
    await entry.waitFor({ state: 'detached' });
    expect(await panel.db.prisma.admin.count({ where: { email: 'helper@example.test' } })).toBe(0);
    // No "Remove" for yourself.
    await expect(page.locator(`[data-admin="${admin.email}"]`).getByRole('button', { name: 'Remove' }).count()).resolves.toBe(0);

    await page.goto('/admins/me');
    const pw = page.getByRole('form', { name: 'Change password' });
    await pw.getByLabel('Current password').fill('wrong-password');
    await pw.getByLabel('New password', { exact: true }).fill('short');
    await pw.getByLabel('New password again').fill('short');
    await pw.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => pw.locator('[data-field-error="pw-current"]').textContent()).toContain('current password is wrong');
    const next = 'Another-Long-Passphrase-7';
    await pw.getByLabel('Current password').fill(admin.password);
    await pw.getByLabel('New password', { exact: true }).fill(next);
    await pw.getByLabel('New password again').fill(next);
    await pw.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed').waitFor();
    admin = { ...admin, password: next };
    await page.context().close();
    await (await signedIn()).context().close(); // the new password signs in
  });
});

describe('two-factor authentication', () => {
  it('enrols with the QR code key, verifies a code first, shows recovery codes once; sign-in then asks for a code', async () => {
    const who = await createAdmin(panel.db.prisma, { email: 'totp-enrol@example.test' });
    const page = await signedIn(who);
    await page.goto('/admins/me');
    await page.getByRole('link', { name: 'Set up two-factor authentication' }).click();
    await page.getByRole('button', { name: 'Set up' }).click();
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await screenshot(page, 'totp-enrol-qr');

    // Not in force before a code proves the app has the secret.
    expect((await panel.db.prisma.admin.findUniqueOrThrow({ where: { email: who.email } })).totpEnabled).toBe(false);
    const form = page.getByRole('form', { name: 'Verify authenticator code' });
    await form.getByLabel('6-digit code from the app').fill(totp.generate() === '000000' ? '111111' : '000000');
    await form.getByRole('button', { name: 'Verify and turn on' }).click();
    await expect.poll(() => form.locator('[data-field-error="totp-code"]').textContent()).toContain('does not match');
    await form.getByLabel('6-digit code from the app').fill(totp.generate());
    await form.getByRole('button', { name: 'Verify and turn on' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => codes.count()).toBe(10);
    const recovery = (await codes.allTextContents()).map((c) => c.trim());
    // The key is no longer on screen once it is in force.
    await expect(page.getByTestId('totp-secret').count()).resolves.toBe(0);
    await screenshot(page, 'totp-recovery-codes');
    expect((await panel.db.prisma.admin.findUniqueOrThrow({ where: { email: who.email } })).totpEnabled).toBe(true);
    // Shown once: a reload shows the status, not the codes.
    await page.reload();
    await page.getByText('10 unused recovery codes left').waitFor();
    await expect(page.getByTestId('recovery-codes').count()).resolves.toBe(0);
    await page.context().close();

    // Sign-in now needs the second step: a current code from the app, or a recovery code once.
    for (const second of [totp.generate(), recovery[0]]) {
      const next = await (await newContext(browser, panel.url)).newPage();
      await next.goto('/login');
      await next.getByLabel('Email').fill(who.email);
      await next.getByLabel('Password', { exact: true }).fill(who.password);
      await next.getByRole('button', { name: 'Sign in' }).click();
      const code = next.getByLabel('Authentication code');
      await code.waitFor();
      if (second === recovery[0]) await screenshot(next, 'totp-login-code-step');
      await code.fill(second);
      await next.getByRole('button', { name: 'Verify' }).click();
      await next.waitForURL((u) => u.pathname === '/');
      await next.getByTestId('signed-in-admin').waitFor();
      await next.context().close();
    }
    expect((await panel.db.prisma.admin.findUniqueOrThrow({ where: { email: who.email } })).recoveryCodes).toHaveLength(9);
  });
});

describe('mandatory two-factor authentication', () => {
  it('an admin without TOTP is held on its account page until enrolled, then reaches the panel', async () => {
    const who = await createAdmin(panel.db.prisma, { email: 'must-enrol@example.test' });
    const before = await getPolicyOverride(panel.db.prisma, null);
    await updatePolicy(panel.db.prisma, SYSTEM, { domainId: null, settings: { ...before, requireTotp: true } });
    try {
      const page = await (await newContext(browser, panel.url)).newPage();
      await page.goto('/login');
      await page.getByLabel('Email').fill(who.email);
      await page.getByLabel('Password', { exact: true }).fill(who.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/admins/me');
      // A fresh load: the client-side redirect straight after sign-in leaves the body blank
      // (a known client-side issue of the login flow); the server-side gate is what we test.
      await page.goto('/admins/me');
      await screenshot(page, 'totp-required-account');
      await page.getByText('The policy requires two-factor authentication').waitFor();
      await page.goto('/aliases');
      await page.waitForURL((u) => u.pathname === '/admins/me');

      await page.getByRole('link', { name: 'Set up two-factor authentication' }).click();
      await page.getByRole('button', { name: 'Set up' }).click();
      const secret = (await page.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
      const form = page.getByRole('form', { name: 'Verify authenticator code' });
      await form.getByLabel('6-digit code from the app').fill(totp.generate());
      await form.getByRole('button', { name: 'Verify and turn on' }).click();
      await page.getByTestId('recovery-codes').waitFor();

      await page.goto('/aliases');
      await page.getByRole('heading', { name: 'Aliases', exact: true }).waitFor();
      // …and it cannot be turned off while the policy requires it.
      await page.goto('/admins/me/totp');
      await page.getByText('cannot be turned off').waitFor();
      await page.context().close();
    } finally {
      await updatePolicy(panel.db.prisma, SYSTEM, { domainId: null, settings: before });
    }
  });
});

describe('mailbox CSV import', () => {
  it('dry run shows the bad rows, then the fixed file imports and the generated passwords download once', async () => {
    const page = await signedIn();
    await page.goto('/mailboxes/import');
    const bad = ['address,name,quota,password', 'carol@example.test,Carol,2G,', 'dave@nowhere.test,Dave,,', `erin@example.test,Erin,lots,${STRONG}`, 'alice@example.test,Alice again,,'].join('\n');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByRole('heading', { name: /Dry run: 1 to create, 3 with problems/ }).waitFor();
    await expect(page.locator('[data-import-line="2"]').getAttribute('data-status')).resolves.toBe('ok');
    await expect(page.locator('[data-import-line="3"]').textContent()).resolves.toContain('no domain nowhere.test');
    await expect(page.locator('[data-import-line="4"]').textContent()).resolves.toContain('not a size');
    await expect(page.locator('[data-import-line="5"]').textContent()).resolves.toContain('already exists');
    await expect(page.getByRole('button', { name: /^Import/ }).count()).resolves.toBe(0);
    await screenshot(page, 'import-dry-run-bad-rows');
    expect(await panel.db.prisma.mailbox.count({ where: { address: 'carol@example.test' } })).toBe(0);

    const good = ['address,name,quota,password', 'carol@example.test,Carol,2G,', `erin@example.test,Erin,500M,${STRONG}`].join('\n');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByRole('heading', { name: /Dry run: 2 to create, 0 with problems/ }).waitFor();
    await page.getByRole('button', { name: 'Import 2 mailboxes' }).click();
    await page.getByText('2 mailboxes were created.').waitFor();
    await screenshot(page, 'import-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download passwords (CSV)' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('address,password');
    expect(lines).toHaveLength(2); // only carol's was generated
    const [address, password] = lines[1].split(',');
    expect(address).toBe('carol@example.test');
    const login = await verifyMailboxLogin(panel.db.prisma, { address, password, ip: '127.0.0.1', service: 'imap' });
    expect(login.ok).toBe(true);
    // Offered once: after the download the button is gone.
    await expect(page.getByRole('button', { name: 'Download passwords (CSV)' }).count()).resolves.toBe(0);
    const carol = await panel.db.prisma.mailbox.findUnique({ where: { address: 'carol@example.test' } });
    expect(Number(carol?.quotaBytes)).toBe(2 * 1024 ** 3);
    await page.context().close();
  });
});
