import { generateKeyPairSync } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { activateCertificate, createCa, issueServerCertificate } from '@/lib/certificates';
import { readEnv } from '@/lib/config/env';
import { seal } from '@/lib/crypto/seal';
import { createResolver } from '@/lib/dns/resolver';
import { expectedRecords, type ExpectedRecord } from '@/lib/dns-records';
import { addDomain } from '@/lib/domains';
import { CLI } from '@/mail-daemon/testing/certificates';
import { spkiSha256 } from '@/lib/certificates/tlsa';
import { publish } from '@/mail-daemon/testing/dns-records';
import { startDnsServer, type RunningDnsServer, type Zones } from '@/mail-daemon/testing/dns-server';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The DNS page of a new domain against the production panel server whose resolver is a DNS server
// on loopback: every record starts missing and turns green one by one as the test zone is filled;
// the domains list and the dashboard follow; the zone file downloads behind admin auth only.

const HOST = 'mail.dns-e2e.test';
const DOMAIN = 'dns-e2e.test';
// A documentation address (RFC 5737): the host resolves, but not to this machine.
const ADDRESS = '192.0.2.10';

let panel: Panel;
let browser: Browser;
let dns: RunningDnsServer;
let admin: AdminFixture;
let otherAdmin: AdminFixture;
let records: ExpectedRecord[];
let servedPem: string;
let caId: string;

async function signedIn(who: AdminFixture = admin): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

const row = (page: Page, id: string) => page.locator(`tr[data-record="${id}"]`);

/** Clicks "Check now" and waits for the page to show the new check (its time changes). */
async function checkNow(page: Page) {
  const summary = page.getByTestId('dns-summary');
  const before = await summary.getAttribute('data-checked-at');
  await page.getByRole('button', { name: 'Check now' }).click();
  await page.waitForFunction((old) => document.querySelector('[data-testid="dns-summary"]')?.getAttribute('data-checked-at') !== old, before);
}

beforeAll(async () => {
  dns = await startDnsServer();
  panel = await startPanel({ POSTERN_DNS_SERVERS: dns.server, POSTERN_HOSTNAME: HOST });
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@dns-e2e.test' });
  const domain = await addDomain(db, SYSTEM, { name: DOMAIN });
  const other = await addDomain(db, SYSTEM, { name: 'other-dns-e2e.test' });
  otherAdmin = await createAdmin(db, { email: 'da@other-dns-e2e.test', domainIds: [other.id] });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  await db.dkimKey.create({
    data: {
      domainId: domain.id, selector: 'e2e', algorithm: 'ed25519', status: 'active',
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64'),
      privateKeySealed: seal(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, panel.masterKey),
    },
  });
  const ca = await createCa(db, CLI, { commonName: 'DNS E2E Root' });
  caId = ca.id;
  const cert = await issueServerCertificate(db, CLI, { hosts: [HOST], caId });
  servedPem = cert.certPem;
  await activateCertificate(db, CLI, cert.id, new Date(), { host: HOST, resolver: createResolver({ servers: [dns.server] }) });
  records = (await expectedRecords(db, domain.id, { env: readEnv({ ...process.env, POSTERN_HOSTNAME: HOST }) })).records;
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await panel?.stop();
  await dns?.close();
});

describe('DNS page', { timeout: 300_000 }, () => {
  it('a new domain turns green record by record as its zone is filled; the list and the dashboard follow', async () => {
    const page = await signedIn();
    await expect(page.getByTestId('host-name-warnings').textContent()).resolves.toMatch(/POSTERN_HOSTNAME mail\.dns-e2e\.test does not resolve/);

    await page.goto('/domains');
    await expect(page.locator(`tr[data-domain="${DOMAIN}"] [data-testid="dns-mark"]`).textContent()).resolves.toBe('DNS not checked');
    await page.getByRole('link', { name: DOMAIN, exact: true }).click();
    await page.waitForURL(`**/domains/${DOMAIN}`);
    await expect(page.getByTestId('domain-dkim-card').textContent()).resolves.toMatch(/e2e \(active\)/);
    await expect(page.getByRole('link', { name: /Manage DKIM keys/ }).getAttribute('href')).resolves.toBe(`/domains/${DOMAIN}/dkim`);
    await page.getByRole('link', { name: /Records to publish/ }).click();
    await page.waitForURL(`**/domains/${DOMAIN}/dns`);
    expect(await page.locator('tr[data-record]').count()).toBe(records.length);
    for (const r of records) await expect(row(page, r.id).getAttribute('data-state')).resolves.toBe('unchecked');
    await expect(row(page, 'mx').textContent()).resolves.toContain(`10 ${HOST}.`);
    await expect(row(page, 'mx').textContent()).resolves.toContain('RFC 5321 §5.1');
    await expect(row(page, 'mx').getByRole('button', { name: `Copy MX ${DOMAIN}` }).isVisible()).resolves.toBe(true);

    const zones: Zones = {};
    dns.set(zones);
    await checkNow(page);
    for (const r of records) await expect(row(page, r.id).getAttribute('data-state')).resolves.toBe('missing');
    await expect(page.getByTestId('dns-summary').textContent()).resolves.toBe(`⚠ ${records.length} DNS problems`);
    await screenshot(page, 'dns-all-missing');

    // A wrong record first: both values shown.
    zones[DOMAIN] = { MX: [{ preference: 10, exchange: 'mx.old-provider.example' }] };
    dns.set(zones);
    await checkNow(page);
    await expect(row(page, 'mx').getAttribute('data-state')).resolves.toBe('different');
    await expect(row(page, 'mx').getByTestId('found').textContent()).resolves.toBe('10 mx.old-provider.example.');
    await screenshot(page, 'dns-mx-different');
    delete zones[DOMAIN];

    for (const [i, r] of records.entries()) {
      publish(zones, r, ADDRESS);
      dns.set(zones);
      await checkNow(page);
      await expect(row(page, r.id).getAttribute('data-state')).resolves.toBe('right');
      for (const later of records.slice(i + 1)) {
        // The reverse DNS needs the host's address, which the next record publishes.
        if (later.kind !== 'fcrdns') await expect(row(page, later.id).getAttribute('data-state')).resolves.not.toBe('right');
      }
      if (i === Math.floor(records.length / 2)) await screenshot(page, 'dns-half-green');
    }
    await expect(page.getByTestId('dns-summary').textContent()).resolves.toBe('✓ DNS right');
    await screenshot(page, 'dns-all-right');

    await page.goto('/domains');
    await expect(page.locator(`tr[data-domain="${DOMAIN}"] [data-testid="dns-mark"]`).textContent()).resolves.toBe('✓ DNS right');
    await page.goto('/');
    await expect(page.getByTestId('dns-problem-count').textContent()).resolves.toMatch(/^0 domains with DNS problems/);
    await expect(page.getByTestId('host-name-warnings').textContent()).resolves.toMatch(/resolves to 192\.0\.2\.10, none of them an address of this server/);
    await screenshot(page, 'dns-dashboard');

    // A record breaks again: the list shows the count, the dashboard counts the domain.
    delete zones[`_dmarc.${DOMAIN}`];
    dns.set(zones);
    await page.goto(`/domains/${DOMAIN}/dns`);
    await checkNow(page);
    await expect(row(page, 'dmarc').getAttribute('data-state')).resolves.toBe('missing');
    await page.goto('/domains');
    await expect(page.locator(`tr[data-domain="${DOMAIN}"] [data-testid="dns-mark"]`).textContent()).resolves.toBe('⚠ 1 DNS problem');
    await page.goto('/');
    await expect(page.getByTestId('dns-problem-count').textContent()).resolves.toMatch(/^1 domain has DNS records not right/);
  });

  it('the zone file downloads with a session, not without one, not for another tenant’s admin', async () => {
    const page = await signedIn();
    const zone = await page.request.get(`/domains/${DOMAIN}/dns/zone`);
    expect(zone.status()).toBe(200);
    expect(zone.headers()['content-disposition']).toBe(`attachment; filename="${DOMAIN}.zone"`);
    const text = await zone.text();
    expect(text).toContain(`$ORIGIN ${DOMAIN}.`);
    expect(text).toContain(`${DOMAIN}. IN MX 10 ${HOST}.`);
    expect(text).toContain(`${HOST}. IN A ${ADDRESS}`);

    const anonymous = await fetch(`${panel.url}/domains/${DOMAIN}/dns/zone`, { redirect: 'manual' });
    expect([302, 303, 307, 401]).toContain(anonymous.status);

    const tenant = await signedIn(otherAdmin);
    expect((await tenant.request.get(`/domains/${DOMAIN}/dns/zone`)).status()).toBe(403);
    const response = await tenant.goto(`/domains/${DOMAIN}/dns`);
    expect(response?.status()).toBe(404);
    await tenant.goto('/domains');
    expect(await tenant.locator(`tr[data-domain="${DOMAIN}"]`).count()).toBe(0);
  });

  it('a certificate with a new key: its TLSA is listed as the next record, and activation warns before "Activate anyway"', async () => {
    dns.set({ [`_25._tcp.${HOST}`]: { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(spkiSha256(servedPem), 'hex') }] } });
    const next = await issueServerCertificate(panel.db.prisma, CLI, { hosts: [HOST], caId });
    const page = await signedIn();
    await page.goto(`/domains/${DOMAIN}/dns`);
    const nextRow = row(page, `tlsa-next:25:${next.id}`);
    await expect(nextRow.textContent()).resolves.toContain(`3 1 1 ${spkiSha256(next.certPem)}`);
    await checkNow(page);
    await expect(nextRow.getAttribute('data-state')).resolves.toBe('missing');
    await expect(row(page, 'tlsa:25').getAttribute('data-state')).resolves.toBe('right');
    await nextRow.scrollIntoViewIfNeeded();
    await screenshot(page, 'dns-next-tlsa');

    await page.goto('/certificates');
    const certRow = page.locator(`tr[data-certificate="${next.id}"]`);
    await certRow.getByRole('button', { name: 'Activate', exact: true }).click();
    await expect(certRow.getByRole('alert').textContent()).resolves.toMatch(/no TLSA record at _25\._tcp\.mail\.dns-e2e\.test matches this certificate's key/);
    expect((await panel.db.prisma.certificate.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('PENDING');
    await screenshot(page, 'dns-activate-warning');
    await certRow.getByRole('button', { name: 'Activate anyway' }).click();
    await page.locator(`tr[data-certificate="${next.id}"][data-status="ACTIVE"]`).waitFor();
    const audit = await panel.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'certificate.activate', target: next.id } });
    expect(audit.after).toMatchObject({ confirmedTlsaMismatch: true });
  });
});
