import AxeBuilder from '@axe-core/playwright';
import { Validator } from '@seriousme/openapi-schema-validator';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updateMonitoringSettings } from '@/lib/alerts';
import type { ApiRoute } from '@/lib/api/contract';
import { API_ROUTES } from '@/lib/api/routes';
import { createToken } from '@/lib/api-tokens';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createAdmin, launchBrowser, login, newContext, screenshot, signInHttp, startPanel, type Panel } from './index';

// The machine doors of the built panel over HTTP: every JSON route answers a bearer token as it
// answers a session, a read token is refused on writes, a domain-limited token sees only its
// domains, revoked/expired/unknown tokens get 401, every use is audited under the token's name;
// /api/openapi.json is valid and covers every route; /metrics is scraped and parsed; a token
// made in the panel's page works once copied.

let panel: Panel;
let cookie: string;
const tokens: Record<string, string> = {};
const domainIds: Record<string, string> = {};

/** A request each route accepts from an authorised caller (bodies for the POST routes). */
function sample(route: ApiRoute, suffix: string): { url: string; init: RequestInit } {
  const init: RequestInit = { method: route.method, headers: {} };
  if (route.path === '/api/received/analyze') {
    init.body = JSON.stringify({ headers: 'Received: from a.example (a.example [192.0.2.1]) by mx.example with ESMTPS; Thu, 3 Dec 2026 10:00:00 +0000\r\n' });
  } else if (route.path === '/api/mailboxes' && route.method === 'POST') {
    init.body = JSON.stringify({ address: `new-${suffix}@a.api.test`, password: 'Api-Created-Password-5' });
  }
  if (init.body) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  return { url: `${panel.url}${route.path}`, init };
}

const call = (route: ApiRoute, auth: Record<string, string>, suffix = 'x') => {
  const { url, init } = sample(route, suffix);
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...auth }, redirect: 'manual' });
};
const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

beforeAll(async () => {
  panel = await startPanel();
  const admin = await createAdmin(panel.db.prisma);
  cookie = await signInHttp(panel.url, admin.email, admin.password);
  for (const name of ['a.api.test', 'b.api.test']) domainIds[name] = (await addDomain(panel.db.prisma, SYSTEM, { name })).id;
  await createMailbox(panel.db.prisma, SYSTEM, { address: 'one@a.api.test', password: 'Api-Mailbox-Password-1' });
  await createMailbox(panel.db.prisma, SYSTEM, { address: 'two@b.api.test', password: 'Api-Mailbox-Password-2' });
  const make = async (name: string, scope: 'read' | 'full', domains: string[] = []) => (tokens[name] = (await createToken(panel.db.prisma, SYSTEM, { name, scope, domains })).token);
  await make('reader', 'read');
  await make('writer', 'full');
  await make('a-only', 'full', ['a.api.test']);
  await make('revoked', 'read');
  await make('expired', 'read');
  await panel.db.prisma.apiToken.update({ where: { name: 'revoked' }, data: { revokedAt: new Date() } });
  await panel.db.prisma.apiToken.update({ where: { name: 'expired' }, data: { expiresAt: new Date(Date.now() - 1000) } });
}, 600_000);

afterAll(async () => {
  await panel?.stop();
});

const guarded = API_ROUTES.filter((r) => r.access !== 'public' && r.path !== '/metrics');

describe('bearer tokens on every JSON route', () => {
  it('a full token and a session are answered alike; no credentials, unknown, revoked and expired tokens get 401', async () => {
    expect(guarded.length).toBeGreaterThanOrEqual(7);
    for (const [i, route] of guarded.entries()) {
      const label = `${route.method} ${route.path}`;
      const bySession = await call(route, { cookie }, `s${i}`);
      const byToken = await call(route, bearer('writer'), `t${i}`);
      expect([label, bySession.status], await bySession.text()).toEqual([label, route.method === 'POST' && route.path === '/api/mailboxes' ? 201 : 200]);
      expect([label, byToken.status]).toEqual([label, bySession.status]);
      for (const auth of [{}, { authorization: 'Bearer pst_not-a-token' }, { authorization: 'Basic eDp5' }, bearer('revoked'), bearer('expired')]) {
        const res = await call(route, auth);
        expect([label, auth, res.status]).toEqual([label, auth, 401]);
        expect((await res.json()).error.code).toBe('unauthorized');
      }
    }
  });

  it('a read token reads, and is refused (403) on every full route, audited as refused', async () => {
    for (const route of guarded) {
      const res = await call(route, bearer('reader'), 'r');
      expect([route.method, route.path, res.status]).toEqual([route.method, route.path, route.access === 'full' ? 403 : 200]);
    }
    const full = guarded.filter((r) => r.access === 'full');
    expect(full.length).toBeGreaterThan(0);
    expect(await panel.db.prisma.mailbox.count({ where: { address: 'new-r@a.api.test' } })).toBe(0);
    const refused = await panel.db.prisma.auditLog.findMany({ where: { action: 'api_token.refused', actor: 'token:reader' }, select: { target: true, after: true } });
    expect(refused).toEqual(full.map((r) => ({ target: `${r.method} ${r.path}`, after: { reason: 'read scope' } })));
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'api_token.refused', actor: { in: ['token:revoked', 'token:expired'] } } })).toBe(guarded.length * 2);
  });

  it('a domain-limited token sees and changes only its domains', async () => {
    const list = await fetch(`${panel.url}/api/mailboxes`, { headers: bearer('a-only') });
    const body = await list.json();
    expect(body.rows.map((m: { address: string }) => m.address).every((a: string) => a.endsWith('@a.api.test'))).toBe(true);
    expect(body.rows.map((m: { address: string }) => m.address)).toContain('one@a.api.test');
    expect((await fetch(`${panel.url}/api/mailboxes?domain=b.api.test`, { headers: bearer('a-only') })).status).toBe(403);
    const post = (address: string) =>
      fetch(`${panel.url}/api/mailboxes`, { method: 'POST', headers: { ...bearer('a-only'), 'content-type': 'application/json' }, body: JSON.stringify({ address, password: 'Api-Created-Password-6' }) });
    expect((await post('three@b.api.test')).status).toBe(403);
    expect((await post('three@a.api.test')).status).toBe(201);
    const created = await panel.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'mailbox.create', target: 'three@a.api.test' } });
    expect(created.actor).toBe('token:a-only');
  });

  it('invalid input is a 400 naming the field, validated by the route\'s schema', async () => {
    const res = await fetch(`${panel.url}/api/mailboxes?sort=nonsense`, { headers: bearer('reader') });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'invalid', field: 'sort' });
    const post = await fetch(`${panel.url}/api/mailboxes`, { method: 'POST', headers: { ...bearer('writer'), 'content-type': 'application/json' }, body: '{"address": 5}' });
    expect(post.status).toBe(400);
    expect((await post.json()).error.field).toBe('address');
  });

  it('every use is audited with the token\'s name, route and status', async () => {
    const uses = await panel.db.prisma.auditLog.findMany({ where: { action: 'api_token.use', actor: 'token:writer' }, select: { target: true, after: true } });
    for (const route of guarded) expect(uses).toContainEqual({ target: `${route.method} ${route.path}`, after: { status: route.method === 'POST' && route.path === '/api/mailboxes' ? 201 : 200 } });
    const row = await panel.db.prisma.apiToken.findUniqueOrThrow({ where: { name: 'writer' } });
    expect(row.lastUsedAt).not.toBeNull();
  });
});

describe('/api/openapi.json', () => {
  it('is valid OpenAPI 3.1 and describes every route', async () => {
    const res = await fetch(`${panel.url}/api/openapi.json`, { headers: bearer('reader') });
    expect(res.status).toBe(200);
    const doc = await res.json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    const described = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(described).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('/metrics', () => {
  it('answers a token of any scope in the Prometheus text format; not a session, not a stranger; an allowed address without a token', async () => {
    expect((await fetch(`${panel.url}/metrics`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${panel.url}/metrics`, { headers: { cookie }, redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${panel.url}/metrics`, { headers: bearer('revoked') })).status).toBe(401);
    const res = await fetch(`${panel.url}/metrics`, { headers: bearer('reader') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = Object.fromEntries(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
    for (const name of [
      'postern_messages_accepted_total', 'postern_messages_refused_total', 'postern_deliveries_total', 'postern_queue_messages', 'postern_queue_oldest_seconds',
      'postern_tls_messages_total', 'postern_logins_total', 'postern_throttled_total', 'postern_throttle_locked', 'postern_certificate_days_left',
      'postern_daemon_heartbeat_age_seconds', 'postern_daemons_alive', 'postern_imap_connections', 'postern_daemon_pool_connections', 'postern_postgres_connections',
    ]) expect(families[name], name).toBeDefined();
    expect(families.postern_queue_messages.metrics).toEqual([{ labels: { status: 'QUEUED' }, value: '0' }, { labels: { status: 'DEFERRED' }, value: '0' }]);
    expect(families.postern_postgres_connections.metrics.length).toBeGreaterThan(0);
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'api_token.use', actor: 'token:reader', target: 'GET /metrics' } })).toBe(1);

    await updateMonitoringSettings(panel.db.prisma, SYSTEM, { metricsAllow: '127.0.0.0/8, ::1', alertRecipients: '', webhookUrl: '', certDays: 14, daemonSilentMinutes: 5, queueThreshold: 1000, sendLimitAlerts: true });
    expect((await fetch(`${panel.url}/metrics`)).status).toBe(200);
  });
});

describe('the tokens page', () => {
  it('creates a token shown once, which then works; revoking it ends it', async () => {
    const admin = await createAdmin(panel.db.prisma);
    const browser = await launchBrowser();
    try {
      const page = await (await newContext(browser, panel.url)).newPage();
      await login(page, admin.email, admin.password);
      await page.goto('/tokens');
      await page.getByLabel('Name').fill('from-the-panel');
      await page.getByLabel('Scope').selectOption('read');
      await page.getByRole('checkbox', { name: 'b.api.test' }).check();
      await page.getByRole('button', { name: 'Create token' }).click();
      const token = (await page.locator('[data-token]').textContent())!.trim();
      expect(token).toMatch(/^pst_/);
      await screenshot(page, 'api-tokens-created');
      const list = await (await fetch(`${panel.url}/api/mailboxes`, { headers: { authorization: `Bearer ${token}` } })).json();
      expect(list.rows.map((m: { address: string }) => m.address)).toEqual(['two@b.api.test']);
      await page.reload();
      await expect(page.locator('[data-token]').count()).resolves.toBe(0);
      expect(await page.content()).not.toContain(token);
      const row = page.locator('[data-token-name="from-the-panel"]');
      await row.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('button', { name: 'Revoke token' }).click();
      await row.getByText('revoked').waitFor();
      expect((await fetch(`${panel.url}/api/mailboxes`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      expect(await panel.db.prisma.auditLog.count({ where: { action: { in: ['api_token.create', 'api_token.revoke'] }, target: 'from-the-panel', actor: admin.email } })).toBe(2);
    } finally {
      await browser.close();
    }
  });
});

describe('the alerts page', () => {
  it('saves the settings (a bad entry refused on its field), queues a test alert, both audited; a domain admin is sent away', async () => {
    const admin = await createAdmin(panel.db.prisma);
    const domainAdmin = await createAdmin(panel.db.prisma, { domainIds: [domainIds['a.api.test']] });
    const browser = await launchBrowser();
    try {
      const page = await (await newContext(browser, panel.url)).newPage();
      await login(page, admin.email, admin.password);
      await page.goto('/alerts');
      await page.getByLabel('Alert recipients').fill('ops@a.api.test');
      await page.getByLabel('Queue threshold').fill('50');
      await page.getByLabel('May scrape /metrics without a token').fill('10.0.0.0/33');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('[data-field-error="metrics-allow"]').getByText('bad prefix length: 10.0.0.0/33').waitFor();
      await page.getByLabel('May scrape /metrics without a token').fill('10.0.0.0/8');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Monitoring settings saved.').waitFor();
      expect(await panel.db.prisma.monitoringSettings.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ alertRecipients: ['ops@a.api.test'], queueThreshold: 50, metricsAllow: ['10.0.0.0/8'] });
      await page.getByRole('button', { name: 'Send a test alert' }).click();
      await page.getByText('Test alert queued').waitFor();
      await page.reload();
      await page.locator('[data-notice="test"]').getByText('waiting').waitFor();
      await screenshot(page, 'alerts-settings');
      expect(await panel.db.prisma.auditLog.count({ where: { action: { in: ['monitoring.settings', 'monitoring.test_alert'] }, actor: admin.email } })).toBe(2);

      const other = await (await newContext(browser, panel.url)).newPage();
      await login(other, domainAdmin.email, domainAdmin.password);
      for (const path of ['/alerts', '/tokens']) {
        await other.goto(path);
        expect(new URL(other.url()).pathname).toBe('/');
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the pages on a phone and in dark mode', () => {
  it('/tokens and /alerts: no sideways scrolling at 390 px, no serious axe violation', async () => {
    const admin = await createAdmin(panel.db.prisma);
    const browser = await launchBrowser();
    try {
      const problems: string[] = [];
      for (const [scheme, viewport] of [['light', { width: 390, height: 844 }], ['dark', { width: 1280, height: 800 }]] as const) {
        const context = await browser.newContext({ baseURL: panel.url, colorScheme: scheme, viewport });
        const page = await context.newPage();
        await login(page, admin.email, admin.password);
        for (const route of ['/tokens', '/alerts']) {
          await page.goto(route);
          await page.getByTestId('signed-in-admin').waitFor();
          await screenshot(page, `api-${route.slice(1)}-${viewport.width}-${scheme}`);
          const scroll = await page.evaluate(() => document.scrollingElement!.scrollWidth);
          if (scroll > viewport.width) problems.push(`${route} ${scheme}: ${scroll}px wide`);
          const result = await new AxeBuilder({ page }).analyze();
          for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
            problems.push(`${route} ${scheme} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
          }
        }
        await context.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
