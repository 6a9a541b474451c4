import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { seedMessage } from '@/lib/queue/seed';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The outbound queue, a queued message's page (retry, bounce, delete) and the delivery
// log in a real browser against the production panel server, with rows seeded the way the daemon writes them.

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let domainAdmin: AdminFixture;

async function signedIn(who: AdminFixture): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@example.test' });
  await addDomain(db, SYSTEM, { name: 'example.test' });
  const other = await addDomain(db, SYSTEM, { name: 'other.test' });
  domainAdmin = await createAdmin(db, { email: 'da@other.test', domainIds: [other.id] });
  await seedMessage(db, {
    queueId: 'QA1B2C3D4', mailFrom: 'alice@example.test', authUser: 'alice@example.test', minutesAgo: 130, subject: 'Quarterly numbers',
    receipt: { clientIp: '192.0.2.10' },
    recipients: [
      {
        rcpt: 'bob@remote.example', status: 'DEFERRED', nextAttemptInMinutes: 45,
        attempts: [
          { outcome: 'deferred', code: 451, reply: '4.7.1 Greylisted, please try again later', minutesAgo: 125 },
          { outcome: 'deferred', code: 421, reply: '4.4.2 Connection dropped', minutesAgo: 60, mxHost: 'mx2.remote.example', tlsVersion: 'none' },
        ],
      },
      { rcpt: 'carol@elsewhere.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 Ok: queued as 9F8E', minutesAgo: 126 }] },
    ],
  });
  await seedMessage(db, { queueId: 'QZ9Y8X7W6', mailFrom: 'dave@other.test', authUser: 'dave@other.test', minutesAgo: 5, recipients: [{ rcpt: 'erin@remote.example' }] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
});

describe('queue', () => {
  it('lists waiting mail with recipients’ states, filters in the URL, and links from the dashboard', async () => {
    const page = await signedIn(admin);
    await page.getByTestId('queue-card').click();
    await page.waitForURL((url) => url.pathname === '/queue');
    const row = page.locator('[data-queue-id="QA1B2C3D4"]');
    await row.waitFor();
    await expect(row.locator('[data-rcpt="bob@remote.example"] [data-status]').getAttribute('data-status')).resolves.toBe('DEFERRED');
    await expect(row.locator('[data-rcpt="carol@elsewhere.example"]').textContent()).resolves.toContain('sent');
    await expect(row.textContent()).resolves.toContain('421 4.4.2 Connection dropped');
    await expect(page.locator('[data-queue-id]').count()).resolves.toBe(2);
    await screenshot(page, 'queue-list');

    await page.getByLabel('Sender contains').fill('alice');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((url) => url.searchParams.get('sender') === 'alice');
    await expect.poll(() => page.locator('[data-queue-id]').count()).toBe(1);

    await page.goto('/queue?sender=nobody');
    await expect(page.getByTestId('queue-empty').textContent()).resolves.toBe('No message matches these filters.');
    await page.goto('/queue?status=BOUNCED');
    await expect(page.getByTestId('queue-empty').isVisible()).resolves.toBe(true);
    await page.context().close();
  });

  it('the message page shows recipients, every attempt and the headers; retry, bounce and delete act and are audited', async () => {
    const page = await signedIn(admin);
    await page.goto('/queue');
    await page.getByRole('link', { name: 'QA1B2C3D4' }).click();
    await page.waitForURL('**/queue/QA1B2C3D4');
    await expect(page.getByRole('heading', { name: 'Message QA1B2C3D4' }).isVisible()).resolves.toBe(true);
    const attempts = page.getByRole('table', { name: 'Delivery attempts' });
    await expect(attempts.locator('tbody tr').count()).resolves.toBe(3);
    await expect(attempts.textContent()).resolves.toMatch(/mx2\.remote\.example.*198\.51\.100\.7:25.*cleartext.*no TLS.*deferred.*421.*4\.4\.2 Connection dropped.*1,234 ms/);
    await expect(attempts.textContent()).resolves.toContain('TLSv1.3 TLS_AES_128_GCM_SHA256');
    await expect(page.getByLabel('Message headers').textContent()).resolves.toContain('Subject:Quarterly numbers');
    await expect(page.getByTestId('receipt').textContent()).resolves.toContain('192.0.2.10');
    await screenshot(page, 'queue-message');

    const db = panel.db.prisma;
    const bob = () => db.outboundMessage.findFirstOrThrow({ where: { queueId: 'QA1B2C3D4', rcpt: 'bob@remote.example' } });
    const before = await bob();
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByText('Retrying 1 recipient now.').waitFor();
    expect((await bob()).nextAttemptAt.getTime()).toBeLessThan(before.nextAttemptAt.getTime());

    await page.getByRole('button', { name: 'Bounce' }).click();
    const bounce = page.getByRole('dialog', { name: 'Bounce QA1B2C3D4?' });
    await expect(bounce.textContent()).resolves.toContain('alice@example.test gets a delivery status notice');
    await bounce.getByRole('button', { name: 'Bounce to sender' }).click();
    await expect.poll(async () => (await bob()).bounceRequestedAt !== null).toBe(true);
    await page.getByText('bounce requested').first().waitFor();

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog', { name: 'Delete QA1B2C3D4 from the queue?' }).getByRole('button', { name: 'Delete from queue' }).click();
    await page.waitForURL((url) => url.pathname === '/queue' && url.searchParams.get('removed') === 'QA1B2C3D4');
    await page.getByText('Removed QA1B2C3D4 from the queue.').waitFor();
    expect(await db.outboundMessage.count({ where: { queueId: 'QA1B2C3D4' } })).toBe(0);
    const audit = await db.auditLog.findMany({ where: { target: 'QA1B2C3D4' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['queue.retry', 'root@example.test'],
      ['queue.bounce', 'root@example.test'],
      ['queue.remove', 'root@example.test'],
    ]);
    await page.context().close();
  });

  it('a domain admin sees only its domains’ mail; another domain’s message is not found', async () => {
    await seedMessage(panel.db.prisma, { queueId: 'QHIDDEN01', mailFrom: 'frank@example.test', minutesAgo: 3, recipients: [{ rcpt: 'g@remote.example' }] });
    const page = await signedIn(domainAdmin);
    await page.goto('/queue');
    await page.locator('[data-queue-id="QZ9Y8X7W6"]').waitFor();
    await expect(page.locator('[data-queue-id]').count()).resolves.toBe(1);
    const res = await page.goto('/queue/QHIDDEN01');
    expect(res?.status()).toBe(404);
    await page.context().close();
  });
});

describe('delivery log', () => {
  it('traces a message: received, then each attempt; filters and empty state', async () => {
    await seedMessage(panel.db.prisma, {
      queueId: 'QTRACE001', mailFrom: 'alice@example.test', authUser: 'alice@example.test', minutesAgo: 20, receipt: { clientIp: '198.51.100.44' },
      recipients: [{ rcpt: 'henry@remote.example', status: 'SENT', attempts: [{ outcome: 'sent', code: 250, reply: '2.0.0 accepted', minutesAgo: 19 }] }],
    });
    const page = await signedIn(admin);
    await page.goto('/deliveries');
    await page.getByLabel('Queue ID').fill('QTRACE001');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('queueId') === 'QTRACE001');
    await expect.poll(() => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))).toEqual(['sent', 'received']);
    await expect(page.locator('tbody').textContent()).resolves.toContain('250 2.0.0 accepted');
    await screenshot(page, 'deliveries-trace');
    await page.goto('/deliveries?clientIp=203.0.113.250');
    await expect(page.getByTestId('deliveries-empty').textContent()).resolves.toContain('Nothing matches');
    await page.context().close();
  });
});
