import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { recordClientTls } from '@/lib/tls-stats/record';
import { acceptMessage } from '@/mail-daemon/delivery/accept';
import { openssl } from '@/mail-daemon/testing/certificates';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// A new administrator's walk through certificates, aliases, mailboxes, TLS and policies:
// each fix asserted by what the page shows or does.

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let pool: pg.Pool;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-walk-'));
const ids: Record<string, string> = {};

async function signedIn(): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, admin.email, admin.password);
  return page;
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  pool = panel.db.pool(2);
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@walk.test' });
  await addDomain(db, SYSTEM, { name: 'walk.test' });
  for (const address of ['ann@walk.test', 'ben@walk.test']) {
    ids[address] = (await createMailbox(db, SYSTEM, { address, password: 'Correct-Horse-9-Battery' })).mailbox.id;
  }
}, 900_000);

afterAll(async () => {
  await pool?.end();
  await browser?.close();
  await panel?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('certificates', { timeout: 240_000 }, () => {
  it('Create CA is primary until a CA exists, and its form closes into a confirmation', async () => {
    const page = await signedIn();
    await page.goto('/certificates');
    const header = page.locator('main').first();
    const create = header.getByRole('link', { name: 'Create CA' }).first();
    await expect(create.getAttribute('class')).resolves.toContain('bg-accent ');
    await expect(header.getByRole('link', { name: 'Issue from CA' }).getAttribute('class')).resolves.toContain('bg-surface');
    await create.click();
    await page.getByLabel('Common name').fill('Walk Root CA');
    await page.getByRole('button', { name: 'Create CA' }).click();
    await page.getByText('Created the CA "Walk Root CA"').waitFor();
    await expect(page.getByLabel('Common name').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Create CA' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Back to certificates' }).click();
    await page.getByRole('link', { name: 'Issue from CA' }).waitFor();
    await expect(page.getByRole('link', { name: 'Issue from CA' }).getAttribute('class')).resolves.toContain('bg-accent ');
    await page.context().close();
  });

  it('retired certificates show Retired with Delete, the active one Rotate; both audited; Back link on the detail page', async () => {
    const page = await signedIn();
    for (const round of [1, 2]) {
      await page.goto('/certificates/issue');
      await page.getByLabel('Host names').fill('mx.walk.test');
      await page.getByLabel('Activate at once').check();
      await page.getByRole('button', { name: 'Issue certificate' }).click();
      await page.getByText('Issued a certificate for mx.walk.test and activated it').waitFor();
      expect(round).toBeGreaterThan(0);
    }
    const [first, second] = await panel.db.prisma.certificate.findMany({ orderBy: { createdAt: 'asc' } });
    expect([first.status, second.status]).toEqual(['RETIRED', 'ACTIVE']);

    await page.goto('/certificates');
    const retired = page.locator(`[data-certificate="${first.id}"]`);
    await expect(retired.textContent()).resolves.toContain('Retired');
    await expect(retired.locator('[data-expiry-level]').count()).resolves.toBe(0);
    await expect(retired.getByRole('button', { name: 'Activate' }).count()).resolves.toBe(0);
    await screenshot(page, 'walk-certificates-retired');

    // Rotate the active one: a new active certificate, the old one retired.
    const active = page.locator(`[data-certificate="${second.id}"]`);
    await active.getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Issue and activate' }).click();
    await screenshot(page, 'walk-certificates-rotate');
    // The audit row is written last: once it is there, the rotation is complete.
    await expect.poll(() => panel.db.prisma.auditLog.count({ where: { action: 'certificate.rotate', target: second.id } }), { timeout: 30_000 }).toBe(1);
    expect((await panel.db.prisma.certificate.findUniqueOrThrow({ where: { id: second.id } })).status).toBe('RETIRED');
    expect(await panel.db.prisma.certificate.count({ where: { status: 'ACTIVE', renewedFromId: second.id } })).toBe(1);

    // Delete a retired one, behind its dialog.
    await page.goto('/certificates');
    await retired.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('Delete the retired certificate for mx.walk.test?');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => panel.db.prisma.certificate.count({ where: { id: first.id } }), { timeout: 30_000 }).toBe(0);
    expect(await panel.db.prisma.auditLog.count({ where: { action: 'certificate.delete', target: first.id } })).toBe(1);

    await page.goto(`/certificates/${second.id}`);
    await page.getByRole('link', { name: '← Certificates' }).click();
    await page.waitForURL((u) => u.pathname === '/certificates');
    await page.context().close();
  });

  it('a CSR answer is confirmed after import; a refused upload speaks in sentences', async () => {
    const page = await signedIn();
    await page.goto('/certificates/csr');
    await page.getByLabel('Host names').fill('ext.walk.test');
    await page.getByRole('button', { name: 'Generate CSR' }).click();
    const csr = await page.getByLabel('CSR (PEM)').inputValue();
    fs.writeFileSync(`${tmp}/req.csr`, csr);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=Walk External CA', '-keyout', `${tmp}/ca.key`, '-out', `${tmp}/ca.pem`]);
    fs.writeFileSync(`${tmp}/ext.cnf`, 'subjectAltName=DNS:ext.walk.test\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
    const signed = openssl(['x509', '-req', '-in', `${tmp}/req.csr`, '-CA', `${tmp}/ca.pem`, '-CAkey', `${tmp}/ca.key`, '-CAcreateserial', '-days', '30', '-extfile', `${tmp}/ext.cnf`, '-out', `${tmp}/signed.pem`]);
    expect(signed.code).toBe(0);
    await page.reload();
    await page.getByLabel('Signed certificate, then the chain (PEM)').fill(fs.readFileSync(`${tmp}/signed.pem`, 'utf8'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Imported the signed certificate for ext.walk.test.').waitFor();
    await expect(page.getByText('No request is waiting for its certificate.').isVisible()).resolves.toBe(true);
    const checks = await page.getByRole('list', { name: 'Checks' }).textContent();
    expect(checks).toContain('Readable certificate and key');
    expect(checks).not.toMatch(/certificate\(s\)|key_match|✓ pem/);
    await screenshot(page, 'walk-csr-imported');

    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${tmp}/other.key`]);
    await page.goto('/certificates/upload');
    await page.getByLabel('Certificate (PEM; may include the chain)').fill(fs.readFileSync(`${tmp}/signed.pem`, 'utf8'));
    await page.getByLabel('Private key (PEM, unencrypted)').fill(fs.readFileSync(`${tmp}/other.key`, 'utf8'));
    await page.getByLabel('Names it must cover').fill('ext.walk.test');
    await page.getByRole('button', { name: 'Check and upload' }).click();
    await expect.poll(() => page.locator('[data-field-error="up-key"]').textContent()).toBe('The private key does not belong to the certificate.');
    await page.context().close();
  });

  it('the ACME page points to a setting the Policies page shows', async () => {
    const page = await signedIn();
    await page.goto('/certificates/acme');
    await expect(page.getByText('renewDaysBefore').count()).resolves.toBe(0);
    await page.goto('/policies');
    await page.getByLabel('Renew certificates before they expire').waitFor();
    await page.context().close();
  });
});

describe('aliases', { timeout: 120_000 }, () => {
  it('reports source and destination problems on the first submit, announces a catch-all by its domain, lists at full width', async () => {
    const page = await signedIn();
    await page.goto('/aliases/new');
    const form = page.getByRole('form', { name: 'New alias' });
    // The page exists for this form: the typing starts in the local part.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('alias-local');
    await form.getByLabel('Delivers to').fill('nobody@walk.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => form.locator('[data-field-error="source"]').textContent()).toContain('enter the part before "@"');
    await expect(form.locator('[data-field-error="alias-destinations"]').textContent()).resolves.toContain('no local mailbox or alias nobody@walk.test');

    await form.getByLabel('Every address of a domain', { exact: false }).check();
    await form.getByLabel('Delivers to').fill('ann@walk.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    await page.getByText('Catch-all for walk.test added.').waitFor();

    await page.getByRole('link', { name: 'New alias' }).click();
    await page.waitForURL((u) => u.pathname === '/aliases/new');
    await form.getByLabel('One address').check();
    await form.getByLabel('Local part').fill('a-rather-long-alias-name-for-the-sales-department');
    await form.getByLabel('Delivers to').fill('ann@walk.test\nben@walk.test');
    await form.getByRole('button', { name: 'Add alias' }).click();
    const row = page.locator('[data-alias="a-rather-long-alias-name-for-the-sales-department@walk.test"]');
    await row.waitFor();
    const table = await page.getByRole('table', { name: 'Aliases' }).boundingBox();
    const main = await page.locator('main').first().boundingBox();
    expect(table!.width).toBeGreaterThan(main!.width * 0.8);
    const cell = row.locator('td').first();
    await expect(cell.evaluate((td) => getComputedStyle(td).whiteSpace)).resolves.toBe('nowrap');
    await screenshot(page, 'walk-aliases');
    await page.context().close();
  });
});

describe('mailboxes', { timeout: 120_000 }, () => {
  it('lists last login per protocol, messages and password change; the page shows aliases, S/MIME and one way to disable', async () => {
    await recordClientTls(pool, { mailboxId: ids['ann@walk.test'], service: 'imap', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', clientIp: '198.51.100.1', at: new Date('2026-11-30T09:00:00Z') });
    await recordClientTls(pool, { mailboxId: ids['ann@walk.test'], service: 'pop3', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', clientIp: '198.51.100.1', at: new Date('2026-11-29T09:00:00Z') });
    const page = await signedIn();
    await page.goto('/mailboxes');
    const ann = page.locator('[data-address="ann@walk.test"]');
    await expect(ann.getByTestId('last-login').textContent()).resolves.toBe('IMAP 2026-11-30POP3 2026-11-29');
    await expect(page.locator('[data-address="ben@walk.test"]').getByTestId('last-login').textContent()).resolves.toBe('never');
    await expect(ann.getByTestId('messages').textContent()).resolves.toMatch(/^\d+$/);
    await expect(ann.getByTestId('password-changed').textContent()).resolves.toBe('never');

    await page.goto('/mailboxes/ann%40walk.test');
    await expect(page.getByRole('region', { name: 'Aliases delivering here' }).textContent()).resolves.toContain('@walk.test');
    await page.getByRole('heading', { name: 'S/MIME certificate' }).waitFor();
    await page.getByRole('heading', { name: 'Mail client settings' }).waitFor();
    await expect(page.getByRole('checkbox', { name: /Enabled/ }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Disable mailbox' }).waitFor();

    await page.locator('#quota').fill('lots');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('[data-field-error="quota"]').textContent()).toBe('Enter the quota as a number, such as 2 or 1.5, or choose Unlimited.');
    await screenshot(page, 'walk-mailbox');

    await page.goto('/mailboxes/new');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('localPart');
    await page.context().close();
  });
});

describe('TLS', { timeout: 120_000 }, () => {
  it('lists messages with links to their hop paths; IPs filter; hops show from and by, internal hops are not cleartext', async () => {
    const raw = Buffer.from(
      [
        'Received: from mail-qk1-f177.google.com (mail-qk1-f177.google.com [209.85.222.177]) by mx.walk.test (Postern) with ESMTPS id W1; Mon, 30 Nov 2026 10:00:00 +0000',
        'Received: by mail-qk1-f177.google.com with SMTP id h126so14356112qke.10 for <ben@walk.test>; Mon, 30 Nov 2026 09:59:59 +0000',
        'Subject: walk',
        '',
        'body',
        '',
      ].join('\r\n'),
    );
    await acceptMessage(pool, {
      listener: 'mx', clientIp: '209.85.222.177', clientName: 'mail-qk1-f177.google.com', helo: 'mail-qk1-f177.google.com', recipients: [], mailboxIds: [ids['ben@walk.test']],
      remoteRecipients: [], forwarded: [], authUser: null, protocol: 'ESMTPS', receivedAt: new Date(),
      tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', bits: 256, algBits: 256, mode: 'starttls', sni: null, clientCert: null },
      queueId: 'W1', raw, mailFrom: 'sender@gmail.example',
    });
    const page = await signedIn();
    await page.goto('/tls');
    const table = page.getByTestId('tls-messages');
    await table.waitFor();
    await expect(page.getByTestId('chart-table').first().getAttribute('class')).resolves.toContain('sr-only');
    await table.getByRole('link', { name: '209.85.222.177' }).click();
    await page.getByText('Messages from 209.85.222.177').waitFor();
    await page.getByTestId('tls-messages').getByRole('link', { name: 'Hop path →' }).first().click();
    const hops = page.getByTestId('hop');
    await hops.first().waitFor();
    const texts = await hops.allTextContents();
    expect(texts[0]).toContain('internal hop (TLS unknown)');
    expect(texts[0]).not.toContain('cleartext');
    expect(texts[0]).toContain('mail-qk1-f177.google.com');
    expect(texts[1]).toContain('[209.85.222.177]');
    expect(texts[1]).toContain('this server');
    await screenshot(page, 'walk-hop-path');
    await page.context().close();
  });
});

describe('policies', { timeout: 120_000 }, () => {
  it('states limits beside number fields, refuses in its own words, names checkboxes by their setting', async () => {
    const page = await signedIn();
    await page.goto('/policies');
    const field = page.locator('#p-renewDaysBefore');
    await expect(field.getAttribute('pattern')).resolves.toBeNull();
    await expect(field.getAttribute('inputmode')).resolves.toBe('numeric');
    await expect(page.locator('[data-limits="renewDaysBefore"]').textContent()).resolves.toBe('A whole number from 1 to 365 days.');
    await page.getByRole('checkbox', { name: 'Require TLS on the MX port', exact: true }).waitFor();
    await expect(page.getByRole('checkbox', { name: /^(On|Off)$/ }).count()).resolves.toBe(0);
    await field.fill('soon');
    await page.getByRole('button', { name: 'Save global policy' }).click();
    await expect.poll(() => page.locator('[data-field-error="renewDaysBefore"]').textContent()).toBe('Enter a whole number.');
    await screenshot(page, 'walk-policies');
    await page.context().close();
  });
});
