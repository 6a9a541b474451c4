// Over 300 lines: the panel attacks kept as regressions, on one built panel.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Actor } from '@/lib/actor';
import { changeOwnPassword, removeAdmin, setAdminPassword, updateAdmin } from '@/lib/admins';
import { hashPassword } from '@/lib/auth/password';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import { addDomain } from '@/lib/domains';
import { SYSTEM } from '@/lib/actor';
import { freePort } from '@/lib/postgres/embedded';
import { PANEL_SERVER, panelCommand } from '@/scripts/start/panel';
import { ROOT } from './build';
import { createAdmin, launchBrowser, login, newContext, signInHttp, startPanel, type AdminFixture, type Panel } from './index';

// The panel's defences against the production build: the sign-in redirect stays on the
// origin and never answers 500, the panel binds where POSTERN_PANEL_HOST says, a
// session ends at sign-out / password change / role change / removal, and every
// response carries the security headers (no CSP violation in the browser), and a forged
// X-Forwarded-For sent over HTTP to the panel server names nobody but the real peer.

let panel: Panel;
let browser: Browser;
let root: AdminFixture;
let domainId: string;
const STRONG = 'Correct-Horse-9-Battery-2';

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  root = await createAdmin(panel.db.prisma, { email: 'root@example.test' });
  domainId = (await addDomain(panel.db.prisma, SYSTEM, { name: 'example.test' })).id;
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

const get = (path: string, init: RequestInit = {}) => fetch(`${panel.url}${path}`, { redirect: 'manual', ...init });
const asAdmin = (cookie: string) => ({ headers: { cookie } });
/** Where a browser would go from this Location. */
const landsOn = (location: string | null) => new URL(location ?? '', `${panel.url}/login`);

// Raw query values, as an attacker would put them in a link.
const PAYLOADS = [
  '%2F%09%2Fevil.example%2Fx', '%2F%0A%2Fevil.example', '%0A', '%0D%0ASet-Cookie:%20x=y', '%2F%0D%2Fevil.example',
  '//evil.example', '%2F%2Fevil.example', '/%5Cevil.example', '%2F%5Cevil.example', '%5C%5Cevil.example',
  'javascript:alert(1)', 'JaVaScRiPt%3Aalert(1)', 'https://evil.example/', 'https%3A%2F%2Fevil.example%2F', 'http://127.0.0.1.evil.example/',
  '%00', '%2F%00', '%E2%80%A8', '%C2%A0', '%', '%ZZ', '', '/mailboxes%0A', encodeURIComponent('/'.repeat(5000)),
];
/** Same-origin paths that crashed a naive redirect (a Location header must be ASCII), and where they go. */
const ODD_BUT_LOCAL: [string, string][] = [
  ['%2F%E0%A4%A', '/%EF%BF%BD%A'], // a broken UTF-8 sequence decodes to U+FFFD
  ['%2Fmailboxes%2Fj%C3%B6rg%40example.test', '/mailboxes/j%C3%B6rg@example.test'],
];

describe('sign-in redirect', () => {
  it('the login page answers 200 to every callbackUrl, signed out', async () => {
    for (const p of PAYLOADS) {
      const res = await get(`/login?callbackUrl=${p}`);
      expect(res.status, p).toBe(200);
      // The form is handed "/" (the page's own URL, with the payload, is in the RSC data).
      expect(await res.text(), p).toContain('\\"callbackUrl\\":\\"/\\"}');
    }
    for (const [p] of ODD_BUT_LOCAL) expect((await get(`/login?callbackUrl=${p}`)).status, p).toBe(200);
  });

  it('signed in, it redirects only to a path on this origin, never 500', async () => {
    const cookie = await signInHttp(panel.url, root.email, root.password);
    for (const p of PAYLOADS) {
      const res = await get(`/login?callbackUrl=${p}`, asAdmin(cookie));
      expect(res.status, p).toBe(307);
      const to = landsOn(res.headers.get('location'));
      expect(to.origin, p).toBe(panel.url);
      expect(to.pathname, p).toBe('/');
    }
    for (const [p, to] of ODD_BUT_LOCAL) {
      const res = await get(`/login?callbackUrl=${p}`, asAdmin(cookie));
      expect(res.status, p).toBe(307);
      expect(res.headers.get('location'), p).toBe(to);
    }
    const ok = await get(`/login?callbackUrl=${encodeURIComponent('/mailboxes?q=a')}`, asAdmin(cookie));
    expect(ok.headers.get('location')).toBe('/mailboxes?q=a'); // positive control
  });

  it("next-auth's own callbackUrl stays on the origin too", async () => {
    const csrf = await get('/api/auth/csrf');
    const jar = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    for (const callbackUrl of ['https://evil.example/', '//evil.example', '/\t/evil.example', `${panel.url}.evil.example/`, `${panel.url}@evil.example`]) {
      const res = await get('/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar },
        body: new URLSearchParams({ csrfToken, email: root.email, password: root.password, callbackUrl, json: 'true' }),
      });
      expect(res.status, callbackUrl).toBeLessThan(500);
      const { url } = (await res.json()) as { url: string };
      expect(new URL(url).origin, callbackUrl).toBe(panel.url);
    }
  });

  it('a form sign-in with the tab payload lands on this origin in Chromium', async () => {
    const page = await (await newContext(browser, panel.url)).newPage();
    await page.goto('/login?callbackUrl=%2F%09%2Fevil.example%2Fx');
    await page.getByLabel('Email').fill(root.email);
    await page.getByLabel('Password', { exact: true }).fill(root.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-admin').waitFor();
    expect(new URL(page.url()).origin).toBe(panel.url);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.context().close();
  });
});

describe('sessions end', () => {
  /** The cookie opens the mailbox page and the JSON API (positive control). */
  async function opens(cookie: string): Promise<{ page: number; api: number }> {
    const page = await get('/mailboxes', asAdmin(cookie));
    const api = await get('/api/mailboxes', asAdmin(cookie));
    return { page: page.status, api: api.status };
  }
  async function expectDead(cookie: string) {
    const page = await get('/mailboxes', asAdmin(cookie));
    expect(page.status).toBe(307);
    expect(landsOn(page.headers.get('location')).pathname).toBe('/login');
    expect((await page.text())).not.toContain('signed-in-admin');
    const api = await get('/api/mailboxes', asAdmin(cookie));
    expect(api.status).toBe(401);
  }
  const actorOf = (a: AdminFixture): Actor => ({ kind: 'admin', id: a.id, email: a.email, role: 'GLOBAL', domainIds: [] });

  it('sign-out ends that session only', async () => {
    const who = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, who.email, who.password);
    const other = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    const csrf = await get('/api/auth/csrf', asAdmin(cookie));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const out = await get('/api/auth/signout', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, json: 'true' }),
    });
    expect(out.status).toBe(200);
    await expectDead(cookie); // the cookie the browser was told to forget, replayed
    expect(await opens(other)).toEqual({ page: 200, api: 200 }); // another device stays signed in
  });

  it('sign-out from the browser button', async () => {
    const who = await createAdmin(panel.db.prisma);
    const context = await newContext(browser, panel.url);
    const page = await context.newPage();
    await login(page, who.email, who.password);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await expectDead(cookie);
    await context.close();
  });

  it('changing its own password ends every session of the admin', async () => {
    const who = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    await changeOwnPassword(panel.db.prisma, actorOf(who), { currentPassword: who.password, newPassword: STRONG });
    await expectDead(cookie);
    expect(await opens(await signInHttp(panel.url, who.email, STRONG))).toEqual({ page: 200, api: 200 });
  });

  it('a password reset by another admin ends every session of the admin', async () => {
    const who = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    await setAdminPassword(panel.db.prisma, actorOf(root), { email: who.email, password: STRONG });
    await expectDead(cookie);
  });

  it('a role change (global → domain admin) ends every session of the admin', async () => {
    const who = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    await updateAdmin(panel.db.prisma, actorOf(root), { email: who.email, role: 'DOMAIN', domains: ['example.test'] });
    await expectDead(cookie);
    expect(await opens(await signInHttp(panel.url, who.email, who.password))).toEqual({ page: 200, api: 200 });
    expect(domainId).toBeTruthy();
  });

  it('a domain taken away from a domain admin ends every session of the admin; a domain given keeps them', async () => {
    const other = (await addDomain(panel.db.prisma, SYSTEM, { name: 'other.test' })).id;
    const who = await createAdmin(panel.db.prisma, { domainIds: [domainId] });
    const cookie = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    await updateAdmin(panel.db.prisma, actorOf(root), { email: who.email, role: 'DOMAIN', domains: ['example.test', 'other.test'] });
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 }); // more scope: nothing to take back
    await updateAdmin(panel.db.prisma, actorOf(root), { email: who.email, role: 'DOMAIN', domains: ['example.test'] });
    await expectDead(cookie);
    const fresh = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(fresh)).toEqual({ page: 200, api: 200 });
    expect(other).toBeTruthy();
  });

  it('removing the admin ends every session of the admin', async () => {
    const who = await createAdmin(panel.db.prisma);
    const cookie = await signInHttp(panel.url, who.email, who.password);
    expect(await opens(cookie)).toEqual({ page: 200, api: 200 });
    await removeAdmin(panel.db.prisma, actorOf(root), { email: who.email });
    await expectDead(cookie);
    expect(await panel.db.prisma.adminSession.count({ where: { adminId: who.id } })).toBe(0);
  });
});

const STATIC_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'permissions-policy':
    'accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()',
};

function expectHeaders(res: Response, what: string) {
  for (const [name, value] of Object.entries(STATIC_HEADERS)) expect(res.headers.get(name), `${what}: ${name}`).toBe(value);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp, what).toMatch(/^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'; style-src 'self' 'unsafe-inline'; /);
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(res.headers.get('strict-transport-security'), `${what}: no HSTS over plain HTTP`).toBeNull();
  return csp;
}

describe('security headers', () => {
  it('on a page, a route handler, a redirect, a 401, a 404 and a static file', async () => {
    const cookie = await signInHttp(panel.url, root.email, root.password);
    const login = await get('/login');
    const csp = expectHeaders(login, 'login page');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    const html = await login.text();
    // Every script Next sends carries this request's nonce, and there is at least one.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);
    expectHeaders(await get('/mailboxes', asAdmin(cookie)), 'admin page');
    const again = expectHeaders(await get('/login'), 'login page again');
    expect(again).not.toBe(csp); // a fresh nonce per request
    expectHeaders(await get('/api/health'), 'public route handler');
    expectHeaders(await get('/api/mailboxes', asAdmin(cookie)), 'route handler');
    expectHeaders(await get('/api/mailboxes'), '401 from the proxy');
    expectHeaders(await get('/mailboxes'), 'redirect to the login page');
    const missing = await get('/no-such-page', asAdmin(cookie));
    expect(missing.status).toBe(404);
    expectHeaders(missing, '404 page');
    const missingApi = await get('/api/no-such-route', asAdmin(cookie));
    expect(missingApi.status).toBe(404);
    expectHeaders(missingApi, '404 route');
    const src = /<script[^>]*src="(\/_next\/static\/[^"]+)"/.exec(html)![1];
    const asset = await get(src);
    expect(asset.status).toBe(200);
    for (const [name, value] of Object.entries(STATIC_HEADERS)) expect(asset.headers.get(name), `static: ${name}`).toBe(value);
  });

  it('on a 500 from a route handler and from a page (a table they read is gone from the database)', async () => {
    const cookie = await signInHttp(panel.url, root.email, root.password);
    expect((await get('/api/tls/stats', asAdmin(cookie))).status).toBe(200); // positive control
    // A real fault, not a test route: the schema no longer has what the build reads.
    await panel.db.prisma.$executeRawUnsafe('ALTER TABLE tls_client_logins RENAME TO tls_client_logins_gone');
    try {
      const api = await get('/api/tls/stats', asAdmin(cookie));
      expect(api.status).toBe(500);
      expectHeaders(api, '500 route');
      expect(await api.json()).toEqual({ error: { code: 'internal', message: 'internal error' } }); // nothing internal leaked
      const page = await get('/tls', asAdmin(cookie));
      expect(page.status).toBe(500);
      expectHeaders(page, '500 page');
      expect(await page.text()).not.toContain('tls_client_logins');
    } finally {
      await panel.db.prisma.$executeRawUnsafe('ALTER TABLE tls_client_logins_gone RENAME TO tls_client_logins');
    }
  });

  it('HSTS only when the request came over HTTPS (X-Forwarded-Proto from the TLS proxy)', async () => {
    const res = await get('/login', { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await get('/login', { headers: { 'x-forwarded-proto': 'http' } })).headers.get('strict-transport-security')).toBeNull();
  });

  it('the main pages load with no CSP violation in the browser console', async () => {
    const context = await newContext(browser, panel.url);
    const violations: string[] = [];
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|CSP violation|Refused to (execute|load|apply|run)|Permissions-Policy/i.test(text)) violations.push(`${page.url()}: ${text}`);
    });
    await page.goto('/login');
    await login(page, root.email, root.password);
    for (const path of ['/', '/mailboxes', '/domains', '/aliases', '/admins', '/admins/me', '/policies', '/audit', '/queue', '/deliveries', '/tls', '/certificates']) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBeLessThan(400);
      await page.waitForLoadState('networkidle');
    }
    // Client-side navigation too (scripts loaded by Next's runtime, 'strict-dynamic').
    await page.goto('/');
    await page.getByRole('link', { name: 'Mailboxes' }).first().click();
    await page.waitForURL((u) => u.pathname === '/mailboxes');
    await page.waitForLoadState('networkidle');
    expect(violations).toEqual([]);
    await context.close();
  });
});

describe('a forged X-Forwarded-For sent over HTTP to the panel server', () => {
  const RIGHT = 'Mailbox-Password-7-Right';
  const quick = { slowDown: { baseMs: 1, capMs: 8 } };

  /** One request from a chosen local address (the socket peer the panel server sees). */
  function from(localAddress: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(`${panel.url}${path}`, { method: init.method ?? 'GET', headers: init.headers, localAddress }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.once('error', reject);
      req.end(init.body);
    });
  }

  /** The login form's POST (next-auth's credentials callback) from `peer`, claiming to be `forged`: what next-auth answers. */
  async function signInFrom(peer: string, forged: string, email: string, password: string): Promise<'signed-in' | string> {
    const csrf = await from(peer, '/api/auth/csrf', { headers: { 'x-forwarded-for': forged } });
    const cookie = ([] as string[]).concat(csrf.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
    const res = await from(peer, '/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': forged },
      body: new URLSearchParams({ csrfToken, email, password, json: 'true' }).toString(),
    });
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    if (setCookies.some((c) => /session-token=[^;]/.test(c))) return 'signed-in';
    const url = res.headers.location ?? (JSON.parse(res.body) as { url: string }).url;
    return new URL(url, panel.url).searchParams.get('error') ?? `status ${res.status}`;
  }

  it('five failed sign-ins "from" 127.0.0.70 leave SMTP AUTH and IMAP LOGIN from 127.0.0.70 alone; the panel counts the real peer', async () => {
    const target = await createAdmin(panel.db.prisma);
    await panel.db.prisma.mailbox.create({
      data: { domainId, localPart: 'alice', address: 'alice@example.test', passwordHash: await hashPassword(RIGHT), quotaBytes: 0 },
    });
    for (let i = 0; i < 5; i++) expect(await signInFrom('127.0.0.9', '127.0.0.70', target.email, `wrong-${i}`)).toBe('invalid');
    // The logins SMTP AUTH and IMAP LOGIN make (mail-daemon's listeners call verifyMailboxLogin with the socket's address).
    for (const service of ['smtp', 'imap'] as const) {
      expect(await verifyMailboxLogin(panel.db.prisma, { address: 'alice@example.test', password: RIGHT, ip: '127.0.0.70', service }, quick), service).toMatchObject({ ok: true });
    }
    const keys = (await panel.db.prisma.authThrottle.findMany({ select: { key: true } })).map((r) => r.key);
    expect(keys.filter((k) => k.includes('127.0.0.70'))).toEqual([]);
    expect(keys).toContain(`panel:account-ip:${target.email}|127.0.0.9`);
    const audited = await panel.db.prisma.auditLog.findMany({ where: { action: 'admin.login.failed', target: target.email }, select: { ip: true } });
    expect(audited.map((a) => a.ip)).toEqual(Array(5).fill('127.0.0.9'));
  });

  it('a new forged value per attempt does not escape the real peer\'s (account, IP) lock nor its per-IP limit', async () => {
    const target = await createAdmin(panel.db.prisma);
    for (let i = 0; i < 5; i++) expect(await signInFrom('127.0.0.10', `127.0.2.${i}`, target.email, `wrong-${i}`)).toBe('invalid');
    // The right password, from the same peer under yet another name: the pair is locked.
    expect(await signInFrom('127.0.0.10', '127.0.2.99', target.email, target.password)).toBe('throttled');
    // The owner from another address still gets in (the account is slowed, never locked).
    expect(await signInFrom('127.0.0.11', '127.0.2.98', target.email, target.password)).toBe('signed-in');

    // A sprayer: 20 failures across accounts from one peer, each under a fresh forged address,
    // lock that peer for every account, the right password included.
    const sprayed = await createAdmin(panel.db.prisma);
    for (let i = 0; i < 20; i++) {
      expect(await signInFrom('127.0.0.12', `127.0.3.${i}`, `nobody-${i % 4}@example.test`, 'guess')).toBe('invalid');
    }
    expect(await signInFrom('127.0.0.12', '127.0.3.250', sprayed.email, sprayed.password)).toBe('throttled');
    expect(await signInFrom('127.0.0.13', '127.0.3.250', sprayed.email, sprayed.password)).toBe('signed-in'); // control: another peer
    const keys = (await panel.db.prisma.authThrottle.findMany({ where: { key: { startsWith: 'panel:ip:' } }, select: { key: true } })).map((r) => r.key);
    expect(keys.filter((k) => k.startsWith('panel:ip:127.0.2.') || k.startsWith('panel:ip:127.0.3.'))).toEqual([]);
  });
});

describe('panel bind address', () => {
  /** The production panel server as npm start runs it; resolves once it is listening. */
  async function startWith(env: { POSTERN_PANEL_HOST?: string; POSTERN_LISTEN_HOST: string; PORT: number }) {
    const child = spawn(process.execPath, ['--import', 'tsx', PANEL_SERVER], {
      cwd: ROOT,
      env: {
        ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: panel.distDir, LOG_LEVEL: 'warn',
        PORT: String(env.PORT), POSTERN_LISTEN_HOST: env.POSTERN_LISTEN_HOST, ...(env.POSTERN_PANEL_HOST ? { POSTERN_PANEL_HOST: env.POSTERN_PANEL_HOST } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const on = (c: Buffer) => {
        output += c.toString();
        if (/Ready in/.test(output)) resolve();
      };
      child.stdout.on('data', on);
      child.stderr.on('data', on);
      void exited.then(() => reject(new Error(`panel server exited:\n${output}`)));
    });
    return {
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
  const connects = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });

  it('POSTERN_PANEL_HOST=127.0.0.1: reachable there, not on another local address (127.0.0.2)', async () => {
    const PORT = await freePort();
    expect(panelCommand({ POSTERN_PANEL_HOST: '127.0.0.1', POSTERN_LISTEN_HOST: '0.0.0.0', PORT })).toEqual({ bin: 'tsx', args: [PANEL_SERVER] });
    expect(panelCommand({ POSTERN_PANEL_HOST: '127.0.0.1', POSTERN_LISTEN_HOST: '0.0.0.0', PORT }, true).args).toEqual(['dev', '--hostname', '127.0.0.1', '--port', String(PORT)]);
    const server = await startWith({ POSTERN_PANEL_HOST: '127.0.0.1', POSTERN_LISTEN_HOST: '0.0.0.0', PORT });
    try {
      expect(await connects('127.0.0.1', PORT)).toBe(true);
      expect(await connects('127.0.0.2', PORT)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('unset, it follows POSTERN_LISTEN_HOST (control: 0.0.0.0 is reachable on 127.0.0.2)', async () => {
    const PORT = await freePort();
    const server = await startWith({ POSTERN_LISTEN_HOST: '0.0.0.0', PORT });
    try {
      expect(await connects('127.0.0.2', PORT)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
