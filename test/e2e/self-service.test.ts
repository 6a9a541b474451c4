import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import * as OTPAuth from 'otpauth';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { TOTP_PARAMS } from '@/lib/admins/totp';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { startDnsServer, type RunningDnsServer, type Zones } from '@/mail-daemon/testing/dns-server';
import { startSmtpSink, type RunningSink } from '@/mail-daemon/testing/smtp-sink';
import { PUBLIC_PATHS } from '@/proxy';
import { createAdmin, launchBrowser, login, newContext, screenshot, signInHttp, signInMailboxHttp, startPanel, type AdminFixture, type Panel } from './index';
import { appPaths, callAction, pagePath, serverActions } from './manifest';

// The self-service area in a real browser against the production panel server, with the real
// mail daemon (a separate process on the panel's database) behind it: a mailbox owner signs in
// with the mailbox password (and, once set up, a TOTP code), creates an app password, uses it over IMAPS (imapflow), revokes it —
// the open IMAP session ends and the next login is refused — changes the password, sets a
// vacation reply that reaches a remote sender once through the outbound queue, forwards to a
// remote address, downloads the S/MIME .p12. Then the two kinds of session kept apart: a mailbox
// owner's session is refused by every admin page, Server Action and route handler of the build,
// an admin's by every self-service one.

const DOMAIN = 'self-service.test';
const ADDRESS = `alice@${DOMAIN}`;
let password = 'Correct-Horse-Battery-9';
const zones: Zones = {
  'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
  'mx.remote.test': { A: ['127.0.0.5'] },
};

let panel: Panel;
let browser: Browser;
let dns: RunningDnsServer;
let sink: RunningSink;
let daemon: DaemonProcess;
let admin: AdminFixture;
let dataDir: string;

async function mailUserPage(): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await page.goto('/account');
  await page.waitForURL((u) => u.pathname === '/account/login');
  await page.getByLabel('Email address').fill(ADDRESS);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/account');
  await page.getByRole('heading', { name: 'Your mailbox', exact: true }).waitFor();
  return page;
}

/** An IMAPS login against the running daemon; resolves to the client, or rejects as the server refused. */
async function imap(pass: string): Promise<{ flow: ImapFlow; closed: Promise<void> }> {
  const flow = new ImapFlow({ host: '127.0.0.1', port: daemon.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ADDRESS, pass }, logger: false });
  flow.on('error', () => {});
  const closed = new Promise<void>((resolve) => flow.once('close', () => resolve()));
  await flow.connect();
  return { flow, closed };
}

const imapRefused = (pass: string) => imap(pass).then(
  async ({ flow }) => {
    await flow.logout();
    return false;
  },
  (err: { authenticationFailed?: boolean }) => err.authenticationFailed === true,
);

/** A message from a stranger to our MX port, as another server would send it. */
async function arrive(from: string, to: string, headers: Record<string, string> = {}): Promise<void> {
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.mx, secure: false, tls: { rejectUnauthorized: false } });
  await mx.sendMail({ envelope: { from, to }, from, to, subject: `for ${to}`, text: 'Hello.', headers });
  mx.close();
}

/** SMTP AUTH on the submissions port (465): true when the daemon took the credentials. */
async function smtpAuth(pass: string): Promise<boolean> {
  const submission = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.submissions, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ADDRESS, pass } });
  try {
    return await submission.verify();
  } catch (err) {
    if ((err as { code?: string }).code === 'EAUTH') return false;
    throw err;
  } finally {
    submission.close();
  }
}

async function queued(rcpt: string): Promise<{ mail_from: string }[]> {
  return (await panel.db.prisma.$queryRaw<{ mail_from: string }[]>`SELECT mail_from FROM outbound_queue WHERE rcpt = ${rcpt}`);
}

beforeAll(async () => {
  dns = await startDnsServer({ zones });
  panel = await startPanel({ POSTERN_DNS_SERVERS: dns.server });
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: `root@${DOMAIN}` });
  await addDomain(db, SYSTEM, { name: DOMAIN });
  await createMailbox(db, SYSTEM, { address: ADDRESS, password, quota: '1G' });
  // Forwarding is the admin's to allow; the checks on arrival are not what this file is about.
  await updatePolicy(db, SYSTEM, { domainId: null, settings: { allowForwarding: true, authChecks: false } });
  sink = await startSmtpSink({ host: '127.0.0.5' });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-self-service-'));
  daemon = await spawnDaemon(panel.db.url, dataDir, { POSTERN_SECRET: panel.masterKey, POSTERN_DNS_SERVERS: dns.server, POSTERN_OUTBOUND_PORT: String(sink.port) });
}, 900_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) daemon.child.kill('SIGTERM');
  await daemon?.exited;
  await browser?.close();
  await panel?.stop();
  await Promise.all([sink?.close(), dns?.close()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the self-service walk', { timeout: 180_000 }, () => {
  it('signs in, creates an app password, uses it over IMAP, revokes it: the open session ends, the next login is refused', async () => {
    const page = await mailUserPage();
    await page.getByTestId('quota').getByText('used of 1.0 GiB').waitFor();
    await page.goto('/account/app-passwords');
    await page.getByLabel('Device').fill('Phone');
    await page.getByRole('button', { name: 'Create' }).click();
    const appPassword = (await page.getByTestId('new-app-password').textContent())!;
    expect(appPassword).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    await screenshot(page, 'self-service-app-password');

    const session = await imap(appPassword);
    expect((await session.flow.list()).map((f) => f.path)).toContain('INBOX');
    expect(await smtpAuth(appPassword)).toBe(true);
    // The app password is not a way into the self-service area.
    await expect(signInMailboxHttp(panel.url, ADDRESS, appPassword)).rejects.toThrow(/sign-in failed/);

    await page.reload();
    const revoke = page.getByRole('form', { name: 'Revoke Phone' });
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await revoke.waitFor({ state: 'detached' }); // the list no longer has it
    await session.closed; // the daemon heard of it (directory channel) and said BYE
    expect(await imapRefused(appPassword)).toBe(true);
    expect(await smtpAuth(appPassword)).toBe(false);
    expect(await imapRefused(password)).toBe(false);

    // The logins the daemon recorded, with their TLS.
    await page.goto('/account');
    const logins = page.getByRole('table', { name: 'Recent sign-ins' });
    await logins.getByText('IMAP').first().waitFor();
    expect(await logins.textContent()).toMatch(/TLSv1\.[23]/);
    await screenshot(page, 'self-service-overview');
  });

  it('changes the password under the policy; IMAP takes only the new one', async () => {
    const page = await mailUserPage();
    await page.goto('/account/password');
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toMatch(/too weak/);
    const next = 'Another-Battery-Staple-7';
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(next);
    await page.getByLabel('New password again').fill(next);
    const old = await imap(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed.').waitFor();
    await old.closed;
    expect(await imapRefused(password)).toBe(true);
    password = next;
    expect(await imapRefused(password)).toBe(false);
  });

  it('a vacation reply reaches a remote sender once, through the queue and the daemon', async () => {
    const page = await mailUserPage();
    await page.goto('/account/vacation');
    await page.getByLabel('Send the automatic reply').check();
    await page.getByLabel('Subject').fill('Away this week');
    await page.getByLabel('Message').fill('Back on Monday.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The auto-reply is on.').waitFor();

    await arrive('friend@remote.test', ADDRESS);
    await arrive('friend@remote.test', ADDRESS);
    // Queued before each 250: one reply for two messages.
    expect(await queued('friend@remote.test')).toEqual([{ mail_from: '' }]);
    await expect.poll(() => sink.transactions.filter((t) => t.rcptTo.some((r) => r.address === 'friend@remote.test')).length, { timeout: 30_000 }).toBe(1);
    const reply = sink.transactions.find((t) => t.rcptTo.some((r) => r.address === 'friend@remote.test'))!;
    expect(reply.mailFrom).toBe('');
    expect(reply.raw.toString()).toContain('Auto-Submitted: auto-replied');
    expect(reply.raw.toString()).toContain('Subject: Away this week');
    // A list's mail gets none.
    await arrive('news@remote.test', ADDRESS, { 'List-Id': '<news.remote.test>' });
    expect(await queued('news@remote.test')).toEqual([]);
  });

  it('forwards to a remote address, keeping a copy', async () => {
    const page = await mailUserPage();
    await page.goto('/account/forwarding');
    await page.getByLabel('Forward to').fill(ADDRESS);
    await page.getByRole('button', { name: 'Save forwarding' }).click();
    await expect.poll(() => page.locator('[data-field-error="destinations"]').textContent()).toMatch(/own address/);
    await page.getByLabel('Forward to').fill('Copy@Remote.test');
    await page.getByRole('button', { name: 'Save forwarding' }).click();
    await page.getByText('Forwarding to copy@remote.test.').waitFor();

    await arrive('stranger@elsewhere.test', ADDRESS);
    await expect.poll(() => sink.transactions.filter((t) => t.rcptTo.some((r) => r.address === 'copy@remote.test')).length, { timeout: 30_000 }).toBe(1);
    const forwarded = sink.transactions.find((t) => t.rcptTo.some((r) => r.address === 'copy@remote.test'))!;
    // A stranger's mail forwarded: SRS, so SPF at the next hop checks us.
    expect(forwarded.mailFrom).toMatch(/^SRS0[=+-]/i);
    expect(forwarded.raw.toString()).toContain('Subject: for alice@self-service.test');
    const kept = await panel.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
      JOIN mailboxes x ON x.id = f.mailbox_id WHERE x.address = ${ADDRESS} AND f.name = 'INBOX'`;
    expect(kept[0].n).toBeGreaterThanOrEqual(4);
  });

  it('downloads the S/MIME .p12 with a password of the owner’s choosing', async () => {
    const adminPage = await (await newContext(browser, panel.url)).newPage();
    await login(adminPage, admin.email, admin.password);
    await adminPage.goto('/certificates/ca/new');
    await adminPage.getByLabel('Common name').fill('Self-service CA');
    await adminPage.getByRole('button', { name: 'Create CA' }).click();
    await adminPage.getByText('Created the CA "Self-service CA"').waitFor();
    await adminPage.goto('/certificates/smime');
    await adminPage.getByLabel('Mailbox address').fill(ADDRESS);
    await adminPage.getByRole('button', { name: 'Issue S/MIME certificate' }).click();
    await adminPage.getByText(`Issued an S/MIME certificate for ${ADDRESS}`).waitFor();

    const page = await mailUserPage();
    await page.goto('/account/smime');
    await page.getByLabel('Password for the .p12').fill('my own p12 pass');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .p12' }).click()]);
    const file = path.join(dataDir, 'alice.p12');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe(`${ADDRESS}.p12`);
    const pem = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:my own p12 pass', '-nodes'], { encoding: 'utf8' });
    expect(pem).toContain('BEGIN PRIVATE KEY');
    expect(pem).toContain(ADDRESS);
  });

  it('two-factor: set up with a code from the app, then signing in asks for one; off with the password', async () => {
    const page = await mailUserPage();
    await page.goto('/account/security');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    const totp = new OTPAuth.TOTP({ ...TOTP_PARAMS, secret: OTPAuth.Secret.fromBase32(secret) });
    // The previous step's code (±1 step accepted): the sign-in below then has a fresh one.
    await page.getByLabel('Code from your app').fill(totp.generate({ timestamp: Date.now() - 30_000 }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('totp-on').waitFor();

    const again = await (await newContext(browser, panel.url)).newPage();
    await again.goto('/account/login');
    await again.getByLabel('Email address').fill(ADDRESS);
    await again.getByLabel('Password').fill(password);
    await again.getByRole('button', { name: 'Sign in' }).click();
    await again.getByLabel('Authentication code').fill(totp.generate());
    await again.getByRole('button', { name: 'Verify' }).click();
    await again.waitForURL((u) => u.pathname === '/account');
    await screenshot(again, 'self-service-totp-signed-in');
    // The password alone no longer opens the area; mail clients are not asked.
    await expect(signInMailboxHttp(panel.url, ADDRESS, password)).rejects.toThrow(/sign-in failed/);
    expect(await imapRefused(password)).toBe(false);

    await again.goto('/account/security');
    await again.getByLabel('Your password').fill(password);
    await again.getByRole('button', { name: 'Turn off' }).click();
    await again.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor();
  });
});

/** A page or route handler of the admin panel (every one but the public ones and the self-service area's). */
function adminEntries(): { pages: string[]; routes: string[] } {
  const isPublic = (p: string) => PUBLIC_PATHS.some((x) => p === x || p.startsWith(`${x}/`));
  const all = appPaths(panel.distDir).filter((e) => !e.startsWith('/(account)/') && !e.startsWith('/(auth)/') && !e.startsWith('/_'));
  const pages = all.filter((e) => e.endsWith('/page') && !isPublic(pagePath(e)));
  const routes = all.filter((e) => e.endsWith('/route') && !isPublic(pagePath(e)));
  return { pages, routes };
}

describe('the two kinds of session stay apart', { timeout: 180_000 }, () => {
  it('a mailbox owner’s session: every admin page sends it to /login, every admin route handler answers 401, every admin Server Action refuses', async () => {
    const cookie = await signInMailboxHttp(panel.url, ADDRESS, password);
    // Positive control: the cookie opens the self-service area.
    const own = await fetch(`${panel.url}/account`, { headers: { cookie }, redirect: 'manual' });
    expect(own.status).toBe(200);

    const { pages, routes } = adminEntries();
    expect(pages.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const entry of pages) {
      const res = await fetch(panel.url + pagePath(entry), { headers: { cookie }, redirect: 'manual' });
      const location = res.headers.get('location') ?? '';
      if (res.status < 300 || res.status >= 400 || !new URL(location, panel.url).pathname.startsWith('/login')) failures.push(`${entry}: ${res.status} ${location}`);
    }
    for (const entry of routes) {
      // Route handlers may not answer GET at all: a refused method proves nothing, so POST next.
      let res = await fetch(panel.url + pagePath(entry), { headers: { cookie }, redirect: 'manual' });
      if (res.status === 405) res = await fetch(panel.url + pagePath(entry), { method: 'POST', headers: { cookie }, redirect: 'manual' });
      if (res.status !== 401) failures.push(`${entry}: ${res.status}`);
    }
    const auditBefore = await panel.db.prisma.auditLog.count();
    for (const action of serverActions(panel.distDir).filter((a) => !a.worker.startsWith('app/(account)/') && !a.worker.startsWith('app/(auth)/'))) {
      const { status, redirect, body } = await callAction(panel.url, action, cookie);
      if (!(redirect ?? '').startsWith('/login')) failures.push(`${action.filename} ${action.exportedName}: ${status} ${redirect ?? body.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(await panel.db.prisma.auditLog.count()).toBe(auditBefore);
    expect(await panel.db.prisma.domain.count({ where: { name: 'evil.test' } })).toBe(0);
  });

  it('an admin’s session is not a mailbox owner’s: every self-service page, Server Action and route handler refuses it', async () => {
    const cookie = await signInHttp(panel.url, admin.email, admin.password);
    const failures: string[] = [];
    const account = appPaths(panel.distDir).filter((e) => e.startsWith('/(account)/'));
    expect(account.length).toBeGreaterThanOrEqual(7);
    for (const entry of account) {
      const route = entry.endsWith('/route');
      const res = await fetch(panel.url + pagePath(entry), { method: route ? 'POST' : 'GET', headers: { cookie }, redirect: 'manual' });
      const location = new URL(res.headers.get('location') ?? '/', panel.url).pathname;
      if (route ? res.status !== 401 : location !== '/account/login') failures.push(`${entry}: ${res.status} ${location}`);
    }
    const actions = serverActions(panel.distDir).filter((a) => a.worker.startsWith('app/(account)/'));
    expect(actions.length).toBeGreaterThanOrEqual(5);
    const before = await panel.db.prisma.appPassword.count();
    for (const action of actions) {
      const { status, redirect, body } = await callAction(panel.url, action, cookie);
      if (!(redirect ?? '').startsWith('/account/login')) failures.push(`${action.filename} ${action.exportedName}: ${status} ${redirect ?? body.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(await panel.db.prisma.appPassword.count()).toBe(before);

    // Positive control: the owner's own cookie runs the same action.
    const owner = await signInMailboxHttp(panel.url, ADDRESS, password);
    const create = actions.find((a) => a.exportedName === 'createAppPasswordAction')!;
    expect((await callAction(panel.url, create, owner)).status).toBe(200);
    expect(await panel.db.prisma.appPassword.count()).toBe(before + 1);
  });
});

describe('the self-service pages and both sign-in pages on a phone and a desktop, light and dark', { timeout: 600_000 }, () => {
  const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
  const ACCOUNT_PAGES = ['/account', '/account/app-passwords', '/account/forwarding', '/account/password', '/account/security', '/account/smime', '/account/vacation'];

  /** What is wrong with the page open in `page`: sideways scrolling on a phone, serious or critical axe violations. */
  async function problems(page: Page, route: string, size: keyof typeof SIZES): Promise<string[]> {
    const found: string[] = [];
    const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
    if (size === 'phone' && width > SIZES.phone.width) found.push(`${route}: ${width}px wide`);
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      found.push(`${route} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    }
    return found;
  }

  for (const size of ['phone', 'desktop'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`at ${size} size in ${scheme}: no sideways scrolling, no serious or critical axe violation`, async () => {
        const context = await browser.newContext({ baseURL: panel.url, colorScheme: scheme, viewport: SIZES[size] });
        context.setDefaultTimeout(20_000);
        const found: string[] = [];
        try {
          const page = await context.newPage();
          for (const route of ['/login', '/account/login']) {
            await page.goto(route);
            await page.getByRole('button', { name: 'Sign in' }).waitFor();
            found.push(...(await problems(page, route, size)));
          }
          await page.getByLabel('Email address').fill(ADDRESS);
          await page.getByLabel('Password').fill(password);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.waitForURL((u) => u.pathname === '/account');
          for (const route of ACCOUNT_PAGES) {
            expect((await page.goto(route))?.status(), route).toBe(200);
            await screenshot(page, `account-${route.replace(/\W+/g, '-')}-${size}-${scheme}`);
            found.push(...(await problems(page, route, size)));
          }
        } finally {
          await context.close();
        }
        expect(found).toEqual([]);
      });
    }
  }
});
