import type { Browser, Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { analyzeHeaders } from '@/lib/received';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import type { AcceptInput } from '@/mail-daemon/smtp/backend';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The TLS statistics in a real browser against the production panel server: the TLS page, the header analyzer (page and
// POST /api/received/analyze), the per-message hop path, the dashboard card, the policy impact
// preview, and the refusals (no session; a domain admin outside its scope).

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let otherAdmin: AdminFixture;
let pool: pg.Pool;
const STRONG = 'Correct-Horse-9-Battery';
const today = new Date();

const CLAIMED_CLEAR = 'from laptop (laptop [10.0.0.2]) by relay.sender.example with ESMTP id A1; Mon, 23 Nov 2026 09:59:00 +0000';

function raw(queueId: string, tls: boolean, subject: string): Buffer {
  const using = tls ? ' (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))' : '';
  return Buffer.from(
    `Received: from client.example (client.example [192.0.2.10])${using}\r\n\tby mx.postern.test (Postern) with ${tls ? 'ESMTPS' : 'ESMTP'} id ${queueId}\r\n\tfor <alice@example.test>; Mon, 23 Nov 2026 10:00:00 +0000\r\n` +
      `Received: ${CLAIMED_CLEAR}\r\nSubject: ${subject}\r\nFrom: s@sender.example\r\n\r\nbody\r\n`,
  );
}

async function signedIn(who: AdminFixture): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  await addDomain(db, SYSTEM, { name: 'example.test' });
  const other = await addDomain(db, SYSTEM, { name: 'other.test' });
  const alice = await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: STRONG });
  await createMailbox(db, SYSTEM, { address: 'bob@other.test', password: STRONG });
  admin = await createAdmin(db, { email: 'root@example.test' });
  otherAdmin = await createAdmin(db, { email: 'other@example.test', domainIds: [other.id] });
  pool = panel.db.pool(2);
  const base = {
    listener: 'mx' as const, clientIp: '192.0.2.10', clientName: 'client.example', helo: 'client.example', recipients: ['alice@example.test'],
    mailboxIds: [alice.mailbox.id], remoteRecipients: [], forwarded: [], authUser: null, receivedAt: today,
  };
  const tls = { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256, mode: 'starttls' as const, sni: 'mx.postern.test', clientCert: null };
  await acceptMessage(pool, { ...base, queueId: 'QTLS1', raw: raw('QTLS1', true, 'over tls'), mailFrom: 'a@tls.example', protocol: 'ESMTPS', tls } as AcceptInput);
  await acceptMessage(pool, { ...base, queueId: 'QCLR1', raw: raw('QCLR1', false, 'in cleartext'), mailFrom: 'b@clear.example', clientIp: '203.0.113.9', protocol: 'ESMTP', tls: null } as AcceptInput);
}, 600_000);

afterAll(async () => {
  await pool?.end();
  await browser?.close();
  await panel?.stop();
});

describe('refusals', () => {
  it('every TLS route answers 401 without a session', async () => {
    const ctx = await newContext(browser, panel.url);
    const analyze = await ctx.request.post('/api/received/analyze', { data: { headers: `Received: ${CLAIMED_CLEAR}` } });
    expect(analyze.status()).toBe(401);
    expect((await ctx.request.get('/api/tls/stats')).status()).toBe(401);
    expect((await ctx.request.get('/api/tls/export')).status()).toBe(401);
    await ctx.close();
  });

  it('a domain admin sees only its domains: no figures for example.test, no message of alice', async () => {
    const page = await signedIn(otherAdmin);
    const stats = await (await page.request.get('/api/tls/stats')).json();
    expect(stats.totals.messages).toBe(0);
    const id = (await pool.query(`SELECT m.id FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes mb ON mb.id = f.mailbox_id WHERE mb.address = 'alice@example.test' LIMIT 1`)).rows[0].id;
    const res = await page.goto(`/tls/messages/${id}`);
    expect(res?.status()).toBe(404);
    const bad = await page.request.get('/api/tls/stats?mailbox=alice@example.test');
    expect(bad.status()).toBe(404);
    await page.context().close();
  });
});

describe('TLS page, card, export', () => {
  it('shows the shares, charts and the cleartext sender; CSV and JSON routes agree', async () => {
    const page = await signedIn(admin);
    await page.goto('/tls');
    await expect(page.getByTestId('share-last-hop').textContent()).resolves.toBe('50.0%');
    await expect(page.getByTestId('share-whole-path').textContent()).resolves.toBe('0.0%');
    await page.getByTestId('share-chart').locator('svg').first().waitFor();
    await expect(page.getByTestId('weak-domains').textContent()).resolves.toContain('clear.example');
    await screenshot(page, 'tls-overview');

    const json = await (await page.request.get('/api/tls/stats')).json();
    expect(json.totals).toEqual({ messages: 2, ourTls: 1, pathTls: 0 });
    const csv = await page.request.get('/api/tls/export');
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain('clear.example');

    await page.goto('/');
    await expect(page.getByTestId('tls-card-last-hop').textContent()).resolves.toBe('50.0%');
    await page.context().close();
  });

  it('filters by mailbox and refuses an unknown domain as a field error', async () => {
    const page = await signedIn(admin);
    await page.goto('/tls?mailbox=alice@example.test');
    await expect(page.getByTestId('share-last-hop').textContent()).resolves.toBe('50.0%');
    await page.goto('/tls?domain=nowhere.test');
    await expect(page.getByRole('alert').filter({ hasText: 'no such domain' }).textContent()).resolves.toContain('domain: no such domain');
    await page.context().close();
  });
});

describe('hop chains', () => {
  it('the analyzer page draws the pasted chain and calls out the weakest hop; the route gives the CLI JSON', async () => {
    const page = await signedIn(admin);
    const headers = `Received: from mx.sender.example (mx.sender.example [198.51.100.1]) (using TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)) by mx.example.org (Postfix) with ESMTPS id X1; Mon, 23 Nov 2026 10:00:00 +0000\nReceived: ${CLAIMED_CLEAR}\n`;
    await page.goto('/tls/analyze');
    await page.getByTestId('analyze-input').fill(headers);
    await page.getByRole('button', { name: 'Analyze' }).click();
    await page.getByTestId('hop-path').waitFor();
    await expect(page.getByTestId('hop').count()).resolves.toBe(2);
    await expect(page.getByTestId('hop-path').textContent()).resolves.toContain('weakest hop');
    await screenshot(page, 'tls-analyzer');

    const res = await page.request.post('/api/received/analyze', { data: { headers } });
    expect(res.status()).toBe(200);
    expect((await res.json()).hops).toEqual(analyzeHeaders(headers).hops);
    const notJson = await page.request.post('/api/received/analyze', { data: 'x', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status()).toBe(415);
    await page.context().close();
  });

  it('a mailbox message list links to the per-message hop path: our hop fact, the rest claimed', async () => {
    const page = await signedIn(admin);
    await page.goto('/mailboxes/alice%40example.test');
    await page.getByRole('link', { name: /how they travelled/ }).click();
    await page.getByTestId('mailbox-messages').waitFor();
    await page.getByRole('link', { name: 'over tls' }).click();
    await page.getByTestId('hop-path').waitFor();
    const text = (await page.getByTestId('hop-path').textContent()) ?? '';
    expect(text).toContain('our hop · fact');
    expect(text).toContain('claimed');
    expect(text).toContain('TLSv1.3');
    expect(text).toContain('cleartext');
    await screenshot(page, 'tls-message');
    await page.context().close();
  });

  it('the policy impact preview names the cleartext sender', async () => {
    const page = await signedIn(admin);
    await page.goto('/tls/impact?requireTlsMx=on');
    await expect(page.getByTestId('impact-mx').textContent()).resolves.toContain('clear.example');
    // and on the policies page, for the settings stricter than the current ones
    await page.goto('/policies');
    await page.getByText('Before tightening TLS').click();
    await expect(page.getByTestId('policy-tls-impact').getByTestId('impact-mx').textContent()).resolves.toContain('clear.example');
    await page.context().close();
  });
});
