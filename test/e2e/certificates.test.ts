import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { openssl, write } from '@/mail-daemon/testing/certificates';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The certificate pages in a real browser against the production panel server: CA, issue + activate,
// the x509 view, a refused upload with its named reason, S/MIME .p12 download opened
// by openssl, the dashboard card, and the public routes (CRL, status, ACME).

let panel: Panel;
let browser: Browser;
let admin: AdminFixture;
let domainAdmin: AdminFixture;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-certs-'));

async function signedIn(who: AdminFixture = admin): Promise<Page> {
  const context = await newContext(browser, panel.url);
  const page = await context.newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  panel = await startPanel();
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@certs.test' });
  const d = await addDomain(db, SYSTEM, { name: 'certs.test' });
  await createMailbox(db, SYSTEM, { address: 'alice@certs.test', password: 'Correct-Horse-9-Battery' });
  domainAdmin = await createAdmin(db, { email: 'da@certs.test', domainIds: [d.id] });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('certificates panel', { timeout: 180_000 }, () => {
  it('creates a CA, issues and activates a server certificate, shows it like openssl x509 -text', async () => {
    const page = await signedIn();
    await page.goto('/certificates/ca/new');
    await page.getByLabel('Common name').fill('E2E Root CA');
    await page.getByLabel('Organization', { exact: true }).fill('Example, Inc.');
    await page.getByRole('button', { name: 'Create CA' }).click();
    await page.getByText('Created the CA "E2E Root CA"').waitFor();

    await page.goto('/certificates/issue');
    await page.getByLabel('Host names').fill('mx.certs.test, imap.certs.test');
    await page.getByLabel('Activate at once').check();
    await page.getByRole('button', { name: 'Issue certificate' }).click();
    await page.getByText('Issued a certificate for mx.certs.test, imap.certs.test and activated it').waitFor();
    const cert = await panel.db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });

    await page.goto('/certificates');
    const row = page.locator(`[data-certificate="${cert.id}"]`);
    await expect(row.getAttribute('data-status')).resolves.toBe('ACTIVE');
    await expect(row.locator('[data-expiry-level="ok"]').textContent()).resolves.toMatch(/39\d days/);
    await screenshot(page, 'certificates-list');

    await row.getByRole('link', { name: 'mx.certs.test, imap.certs.test' }).click();
    const view = page.getByTestId('certificate-view');
    await view.waitFor();
    const text = await view.textContent();
    expect(text).toContain('3 (0x2)');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('DNS:mx.certs.test, DNS:imap.certs.test');
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toContain(cert.fingerprintSha256!);
    await screenshot(page, 'certificate-view');

    // PEM download (chain) with the session; refused without.
    const pem = await page.request.get(`/certificates/${cert.id}/pem`);
    expect(pem.status()).toBe(200);
    expect(await pem.text()).toBe(cert.certPem);
    const anonymous = await fetch(`${panel.url}/certificates/${cert.id}/pem`, { redirect: 'manual' });
    expect([302, 303, 307, 401]).toContain(anonymous.status);

    // The dashboard card shows it with its days left.
    await page.goto('/');
    const card = page.getByTestId('certificate-card');
    await expect(card.textContent()).resolves.toMatch(/mx.certs.test, imap.certs.test.*39\d days left/);
  });

  it('refuses an upload whose key does not match, naming the check', async () => {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=up.certs.test',
      '-addext', 'subjectAltName=DNS:up.certs.test', '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', `${tmp}/k.pem`, '-out', `${tmp}/c.pem`]);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${tmp}/other.pem`]);
    const page = await signedIn();
    await page.goto('/certificates/upload');
    await page.getByLabel('Certificate (PEM; may include the chain)').fill(fs.readFileSync(`${tmp}/c.pem`, 'utf8'));
    await page.getByLabel('Private key (PEM, unencrypted)').fill(fs.readFileSync(`${tmp}/other.pem`, 'utf8'));
    await page.getByLabel('Names it must cover').fill('up.certs.test');
    await page.getByRole('button', { name: 'Check and upload' }).click();
    await expect.poll(() => page.locator('[data-field-error="up-key"]').textContent()).toContain('The private key does not belong to the certificate.');
    await expect(page.locator('[data-check="key_match"]').getAttribute('data-ok')).resolves.toBe('false');
    await screenshot(page, 'certificate-upload-refused');
    expect(await panel.db.prisma.certificate.count({ where: { source: 'UPLOADED' } })).toBe(0);
  });

  it('issues an S/MIME certificate for a mailbox and downloads a .p12 openssl opens with the password', async () => {
    const page = await signedIn(domainAdmin); // a domain admin, for their own domain
    await page.goto('/certificates/smime');
    await page.getByLabel('Mailbox address').fill('alice@certs.test');
    await page.getByRole('button', { name: 'Issue S/MIME certificate' }).click();
    await page.getByText('Issued an S/MIME certificate for alice@certs.test').waitFor();
    const row = page.locator('[data-smime]').first();
    await row.getByLabel('Password for the .p12').fill('p12 e2e password');
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: '.p12' }).click()]);
    const file = path.join(tmp, 'alice.p12');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe('alice@certs.test.p12');
    const ok = openssl(['pkcs12', '-in', file, '-passin', 'pass:p12 e2e password', '-nodes']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('BEGIN PRIVATE KEY');
    expect(openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong', '-nodes']).code).not.toBe(0);

    // The domain admin sees no server certificates and cannot reach their forms.
    await page.goto('/certificates');
    await page.getByText('managed by global admins').waitFor();
    await page.goto('/certificates/issue');
    await page.waitForURL((u) => u.pathname === '/');
  });

  it('serves the CRL, the CA certificate, the status and ACME answers without a session; everything else needs one', async () => {
    const ca = await panel.db.prisma.certificateAuthority.findFirstOrThrow();
    const crl = await fetch(`${panel.url}/crl/${ca.id}.crl`);
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    const crlFile = write(tmp, 'ca.crl', Buffer.from(await crl.arrayBuffer()));
    const caFile = write(tmp, 'ca.pem', await (await fetch(`${panel.url}/ca/${ca.id}.pem`)).text());
    expect(openssl(['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', caFile, '-noout']).err).toMatch(/verify OK/);

    const status = await fetch(`${panel.url}/api/certificates/status`);
    expect(status.status).toBe(200);
    const body = await status.json();
    // No mail daemon runs beside this panel: the certificates are fine, nobody serves them.
    expect(body).toMatchObject({ status: 'WARNING', warnings: ['no mail daemon is alive'], daemons: [], missing: [] });
    expect(body.certificates[0].hosts).toEqual(['mx.certs.test', 'imap.certs.test']);

    const acme = await fetch(`${panel.url}/.well-known/acme-challenge/unknown`, { redirect: 'manual' });
    expect(acme.status).toBe(404);
    await panel.db.prisma.acmeChallenge.create({ data: { token: 'tok-e2e', keyAuthorization: 'tok-e2e.thumbprint', expiresAt: new Date(Date.now() + 60_000) } });
    const answered = await fetch(`${panel.url}/.well-known/acme-challenge/tok-e2e`, { redirect: 'manual' });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toBe('tok-e2e.thumbprint');

    for (const p of ['/certificates', '/certificates/issue', '/certificates/smime']) {
      const r = await fetch(`${panel.url}${p}`, { redirect: 'manual' });
      expect(r.status, p).toBeGreaterThanOrEqual(300);
      expect(r.headers.get('location') ?? '', p).toContain('/login');
    }
  });
});
