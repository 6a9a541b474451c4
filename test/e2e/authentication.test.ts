import type { Browser, Page } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { getPolicyOverride } from '@/lib/policy';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import type { AcceptInput } from '@/mail-daemon/smtp/backend';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// Email authentication in a real browser against the production panel server: the statistics page
// (and its JSON), a message's Authentication-Results and disposition, the header analyzer with
// Authentication-Results and ARC fields, and the inbound-check and DNS-record policy fields.

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let otherAdmin: AdminFixture;
let pool: pg.Pool;
let messageId = '';
const STRONG = 'Correct-Horse-9-Battery';

const OUR_HEADER =
  'Authentication-Results: mx.postern.test;\r\n\tspf=pass smtp.mailfrom=news.example;\r\n\tdkim=fail reason="signature verification failed" header.d=news.example header.s=sel;\r\n\tdmarc=fail (p=quarantine) header.from=news.example;\r\n\tarc=none';

async function signedIn(who: AdminFixture): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

// What the daemon writes for MX mail, straight into smtp_receipts (received now, so inside the default period).
async function receipt(queueId: string, rcpt: string, fromDomain: string, spf: string, dkim: string, dmarc: string, junk: string | null = null): Promise<void> {
  await pool.query(
    `INSERT INTO smtp_receipts (queue_id, listener, client_ip, helo, mail_from, rcpts, protocol, size, from_domain,
                                spf_result, dkim_result, dmarc_result, arc_result, disposition, disposition_reason)
     VALUES ($1, 'mx', '192.0.2.7', 'client.example', $2, $3, 'ESMTPS', 100, $4, $5, $6, $7, 'none', $8, $9)`,
    [queueId, `x@${fromDomain}`, [rcpt], fromDomain, spf, dkim, dmarc, junk ? 'junk' : 'inbox', junk],
  );
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  await addDomain(db, SYSTEM, { name: 'example.test' });
  const other = await addDomain(db, SYSTEM, { name: 'other.test' });
  const alice = await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: STRONG });
  admin = await createAdmin(db, { email: 'root@example.test' });
  otherAdmin = await createAdmin(db, { email: 'other@example.test', domainIds: [other.id] });
  pool = panel.db.pool(2);
  await receipt('AUTH1', 'alice@example.test', 'good.example', 'pass', 'pass', 'pass');
  await receipt('AUTH2', 'alice@example.test', 'good.example', 'fail', 'pass', 'pass');
  await receipt('AUTH3', 'alice@example.test', 'spoof.example', 'fail', 'fail', 'fail', 'dmarc=quarantine');
  // A stored message with its receipt: the message page reads it through the blob.
  await acceptMessage(pool, {
    queueId: 'AUTHMSG',
    raw: Buffer.from(
      'Received: from client.example (client.example [192.0.2.7]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\tby mx.postern.test (Postern) with ESMTPS id AUTHMSG; Mon, 23 Nov 2026 10:00:00 +0000\r\n' +
        `${OUR_HEADER}\r\nSubject: weekly news\r\nFrom: n@news.example\r\n\r\nbody\r\n`,
    ),
    listener: 'mx',
    clientIp: '192.0.2.7',
    clientName: 'client.example',
    helo: 'client.example',
    mailFrom: 'n@news.example',
    recipients: ['alice@example.test'],
    mailboxIds: [alice.mailbox.id],
    remoteRecipients: [],
    forwarded: [],
    authUser: null,
    protocol: 'ESMTPS',
    tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256, mode: 'starttls', sni: null, clientCert: null },
    receivedAt: new Date(),
  } as AcceptInput);
  await pool.query(
    `UPDATE smtp_receipts SET from_domain = 'news.example', spf_result = 'pass', dkim_result = 'fail', dmarc_result = 'fail', arc_result = 'none',
            auth_results_header = $1, disposition = 'junk', disposition_reason = 'dmarc=quarantine',
            spam_action = 'add header', spam_score = 8.25, spam_symbols = $2::jsonb WHERE queue_id = 'AUTHMSG'`,
    [OUR_HEADER, JSON.stringify({ BAYES_SPAM: { score: 5.1, description: 'Message probably spam' }, DMARC_POLICY_QUARANTINE: { score: 1.5 }, R_DKIM_REJECT: { score: 1 } })],
  );
  messageId = (await pool.query(`SELECT m.id::text AS id FROM mail_messages m JOIN smtp_receipts r ON r.blob_id = m.blob_id WHERE r.queue_id = 'AUTHMSG'`)).rows[0].id;
}, 600_000);

afterAll(async () => {
  await pool?.end();
  await browser?.close();
  await panel?.stop();
});

describe('refusals', () => {
  it('the statistics route answers 401 without a session; a domain admin sees none of another domain\'s mail', async () => {
    const ctx = await newContext(browser, panel.url);
    expect((await ctx.request.get('/api/authentication/stats')).status()).toBe(401);
    await ctx.close();
    const page = await signedIn(otherAdmin);
    const stats = await (await page.request.get('/api/authentication/stats')).json();
    expect(stats.totals.messages).toBe(0);
    expect((await page.goto(`/tls/messages/${messageId}`))?.status()).toBe(404);
    await page.context().close();
  });
});

describe('authentication statistics', () => {
  it('shows the shares passing, the sending domains, the failing ones and Junk; the JSON agrees', async () => {
    const page = await signedIn(admin);
    await page.goto('/tls');
    await page.getByRole('link', { name: 'Authentication', exact: true }).click();
    await page.getByTestId('auth-filters').waitFor();
    // Four MX messages checked: SPF 2, DKIM 2, DMARC 2 passed; two went to Junk.
    await expect(page.getByTestId('auth-messages').textContent()).resolves.toBe('4');
    await expect(page.getByTestId('share-spf').textContent()).resolves.toBe('50.0%');
    await expect(page.getByTestId('share-dkim').textContent()).resolves.toBe('50.0%');
    await expect(page.getByTestId('share-dmarc').textContent()).resolves.toBe('50.0%');
    await expect(page.getByTestId('share-junk').textContent()).resolves.toBe('50.0%');
    await page.getByTestId('auth-share-chart').locator('svg').first().waitFor();
    await expect(page.getByTestId('auth-domains').locator('tbody tr').count()).resolves.toBe(3);
    const failing = (await page.getByTestId('auth-failing').textContent()) ?? '';
    expect(failing).toContain('spoof.example');
    expect(failing).toContain('news.example');
    expect(failing).not.toContain('good.example');
    await expect(page.getByTestId('auth-junk').textContent()).resolves.toContain('dmarc=quarantine');
    await screenshot(page, 'authentication-overview');

    const json = await (await page.request.get('/api/authentication/stats')).json();
    expect(json.totals).toMatchObject({ messages: 4, checked: 4, spfPass: 2, dkimPass: 2, dmarcPass: 2, junk: 2 });
    expect(json.domains.map((d: { fromDomain: string }) => d.fromDomain).sort()).toEqual(['good.example', 'news.example', 'spoof.example']);

    // One sending domain, from its link.
    await page.getByTestId('auth-domains').getByRole('link', { name: 'good.example' }).click();
    await expect.poll(() => page.getByTestId('auth-messages').textContent()).toBe('2');
    await expect(page.getByTestId('share-dkim').textContent()).resolves.toBe('100.0%');
    await page.goto('/tls/authentication?sender=not a domain');
    await expect(page.getByRole('alert').filter({ hasText: 'sender:' }).textContent()).resolves.toContain('not a domain name');
    await page.context().close();
  });
});

describe('a message and the analyzer', () => {
  it('the message page shows our Authentication-Results, the raw field, Junk and why, and rspamd\'s verdict', async () => {
    const page = await signedIn(admin);
    await page.goto(`/tls/messages/${messageId}`);
    await page.getByTestId('hop-path').waitFor();
    const checks = page.getByTestId('arrival-checks');
    await expect(checks.getByTestId('authserv-id').textContent()).resolves.toBe('mx.postern.test');
    await expect(checks.locator('[data-method="dkim"]').getAttribute('data-result')).resolves.toBe('fail');
    await expect(checks.locator('[data-method="dkim"]').textContent()).resolves.toContain('signature verification failed');
    await checks.getByText('The header as written').click();
    await expect(page.getByTestId('auth-results-raw').textContent()).resolves.toContain('dmarc=fail (p=quarantine) header.from=news.example');
    const disposition = (await page.getByTestId('disposition').textContent()) ?? '';
    expect(disposition).toContain('Junk');
    expect(disposition).toContain('dmarc=quarantine');
    expect(disposition).toContain('add header');
    expect(disposition).toContain('8.25');
    expect(disposition).toContain('BAYES_SPAM');
    await screenshot(page, 'authentication-message');
    await page.context().close();
  });

  it('the analyzer shows each Authentication-Results writer and the ARC sets by instance; the route gives them too', async () => {
    const page = await signedIn(admin);
    const headers = [
      'Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=list.example; dkim=pass header.d=list.example; arc=pass (i=1)',
      'ARC-Seal: i=1; a=rsa-sha256; t=1732356000; cv=none; d=list.example; s=arc; b=AAAA',
      'ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=list.example; s=arc; h=from:to:subject; bh=BBBB; b=CCCC',
      'ARC-Authentication-Results: i=1; lists.example; spf=pass smtp.mailfrom=author.example; dkim=pass header.d=author.example; dmarc=pass header.from=author.example',
      'Received: from lists.example (lists.example [198.51.100.4]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.example.org (Postfix) with ESMTPS id X1; Mon, 23 Nov 2026 10:00:00 +0000',
      'Authentication-Results: broken header (',
      '',
    ].join('\n');
    await page.goto('/tls/analyze');
    await page.getByTestId('analyze-input').fill(headers);
    await page.getByRole('button', { name: 'Analyze' }).click();
    await page.getByTestId('analyze-auth-results').waitFor();
    await expect(page.getByTestId('hop').count()).resolves.toBe(1);
    const fields = page.getByTestId('analyze-auth-results').getByTestId('auth-results-field');
    await expect(fields.count()).resolves.toBe(2);
    await expect(fields.nth(0).getByTestId('authserv-id').textContent()).resolves.toBe('mx.example.org');
    await expect(fields.nth(1).textContent()).resolves.toContain('unparsable');
    const arc = page.getByTestId('analyze-arc');
    await expect(arc.getByTestId('arc-set').count()).resolves.toBe(1);
    const set = (await arc.getByTestId('arc-set').textContent()) ?? '';
    expect(set).toContain('sealed by list.example');
    expect(set).toContain('cv=none');
    expect(set).toContain('lists.example');
    await screenshot(page, 'authentication-analyzer');

    const res = await page.request.post('/api/received/analyze', { data: { headers } });
    const json = await res.json();
    expect(json.hops).toHaveLength(1);
    expect(json.authentication.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
    expect(json.authentication.arc).toMatchObject({ status: 'pass', sets: [{ instance: 1, seal: { cv: 'none', domain: 'list.example' } }] });
    await page.context().close();
  });
});

describe('policies', () => {
  it('saves the inbound checks and DNS record fields; a bad blocklist zone is a field error', async () => {
    const page = await signedIn(admin);
    await page.goto('/policies');
    await page.getByLabel('When SPF fails', { exact: true }).selectOption('reject');
    await page.getByLabel('DNS blocklists', { exact: true }).fill('zen.spamhaus.org\nnot a zone');
    await page.getByLabel('Greylisting', { exact: true }).check();
    await page.getByLabel('Greylisting: retry accepted after', { exact: true }).fill('120');
    await page.getByLabel('Keep a replaced key published for', { exact: true }).fill('14');
    await page.getByLabel('SPF record', { exact: true }).fill('v=spf1 mx include:_spf.provider.example -all');
    await page.getByLabel('DMARC policy', { exact: true }).selectOption('reject');
    await page.getByLabel('DMARC reports to', { exact: true }).fill('DMARC@example.test');
    await page.getByLabel('MTA-STS mode', { exact: true }).selectOption('enforce');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(() => page.locator('[data-field-error="dnsblZones"]').textContent()).toBe('"not": a DNS zone, e.g. zen.spamhaus.org.');
    await screenshot(page, 'authentication-policies-error');

    await page.getByLabel('DNS blocklists', { exact: true }).fill('zen.spamhaus.org\nbl.spamcop.net');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await page.getByText('Global policy saved').waitFor();
    expect(await getPolicyOverride(panel.db.prisma, null)).toMatchObject({
      spfFailAction: 'reject',
      dnsblZones: ['zen.spamhaus.org', 'bl.spamcop.net'],
      greylisting: { enabled: true, delaySeconds: 120 },
      dkimRetireGraceDays: 14,
      spfRecord: 'v=spf1 mx include:_spf.provider.example -all',
      dmarc: { policy: 'reject', reportAddress: 'dmarc@example.test' },
      mtaSts: { mode: 'enforce' },
    });
    await page.reload();
    await expect(page.getByLabel('DNS blocklists', { exact: true }).inputValue()).resolves.toBe('zen.spamhaus.org\nbl.spamcop.net');
    await page.locator('[data-policy-field="dnsblZones"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'authentication-policies');

    // One domain overrides the DMARC policy; the blocklists are not offered per domain.
    const domain = await panel.db.prisma.domain.findUniqueOrThrow({ where: { name: 'example.test' } });
    await page.goto(`/policies?domain=${domain.id}`);
    await expect(page.locator('[data-policy-field="dnsblZones"]').count()).resolves.toBe(0);
    await page.getByLabel('DMARC policy: inherit or override', { exact: true }).selectOption('override');
    await page.getByLabel('DMARC policy', { exact: true }).selectOption('none');
    await page.getByRole('button', { name: 'Save domain overrides' }).click();
    await page.getByText('Domain overrides saved').waitFor();
    expect(await getPolicyOverride(panel.db.prisma, domain.id)).toEqual({ dmarc: { policy: 'none' } });
    await page.context().close();
  });
});
