import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { dkimpyVerify } from '@/mail-daemon/testing/dkimpy';
import { startDnsServer, type RunningDnsServer, type Zones } from '@/mail-daemon/testing/dns-server';
import { startSmtpSink, type RunningSink } from '@/mail-daemon/testing/smtp-sink';
import { createAdmin, launchBrowser, login, newContext, screenshot, startPanel, type AdminFixture, type Panel } from './index';

// The DKIM page in a real browser against the production panel server whose resolver is a DNS
// server on loopback: generate a key, read its record off the page, put it in the test zone,
// Check DNS, Activate; a domain admin of another domain is refused. Then the key at work: the
// mail daemon, a separate process on the panel's database that was running all along, signs
// what a user submits on 465 with the key activated in the browser, delivers it to a remote MX
// on loopback (found through the same DNS server), and dkimpy, an independent verifier,
// accepts the signature against the record as the page showed it, fetched from that server.

const DOMAIN = 'dkim-e2e.test';
const PASSWORD = 'Correct-Horse-Battery-9';
const zones: Zones = {
  'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
  'mx.remote.test': { A: ['127.0.0.5'] },
};

let panel: Panel;
let browser: Browser;
let dns: RunningDnsServer;
let admin: AdminFixture;
let otherAdmin: AdminFixture;
let sink: RunningSink;
let daemon: DaemonProcess;
let dataDir: string;
/** The key record as the page showed it and the admin published it. */
let published: { name: string; strings: string[] } | null = null;

async function signedIn(who: AdminFixture = admin): Promise<Page> {
  const page = await (await newContext(browser, panel.url)).newPage();
  await login(page, who.email, who.password);
  return page;
}

beforeAll(async () => {
  dns = await startDnsServer({ zones });
  panel = await startPanel({ POSTERN_DNS_SERVERS: dns.server });
  browser = await launchBrowser();
  const db = panel.db.prisma;
  admin = await createAdmin(db, { email: 'root@dkim-e2e.test' });
  await addDomain(db, SYSTEM, { name: DOMAIN });
  await createMailbox(db, SYSTEM, { address: `writer@${DOMAIN}`, password: PASSWORD });
  const other = await addDomain(db, SYSTEM, { name: 'other-dkim-e2e.test' });
  otherAdmin = await createAdmin(db, { email: 'da@other-dkim-e2e.test', domainIds: [other.id] });
  sink = await startSmtpSink({ host: '127.0.0.5' });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-dkim-'));
  // The daemon unseals with the panel's master key what the panel sealed.
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

describe('DKIM page', { timeout: 180_000 }, () => {
  it('generate a key, see its record, publish it, Check DNS, Activate', async () => {
    const page = await signedIn();
    await page.goto(`/domains/${DOMAIN}/dkim`);
    await page.getByText(`No key signs for ${DOMAIN}`).waitFor();

    // A bad selector is a field error and creates nothing.
    await page.getByLabel('Selector (optional)').fill('not a label');
    await page.getByRole('button', { name: 'Generate new key' }).click();
    await expect.poll(() => page.locator('[data-field-error="dkim-selector"]').textContent()).toMatch(/one DNS label/);
    expect(await panel.db.prisma.dkimKey.count()).toBe(0);

    await page.getByLabel('Selector (optional)').fill('e2e1');
    await page.getByRole('button', { name: 'Generate new key' }).click();
    await page.getByText('Generated the RSA-2048 key e2e1.').waitFor();
    const card = page.locator('[data-dkim-key="e2e1"]');
    await card.waitFor();
    expect(await card.getAttribute('data-status')).toBe('pending');
    const name = (await card.locator('[data-record-name]').textContent())!;
    const value = (await card.locator('[data-record-value]').textContent())!;
    const strings = (await card.locator('[data-record-strings]').textContent())!;
    expect(name).toBe(`e2e1._domainkey.${DOMAIN}`);
    expect(value).toMatch(/^v=DKIM1; k=rsa; p=MIIB[A-Za-z0-9+/=]+$/);
    const parts = [...strings.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(parts.map((p) => p.length)).toEqual([255, value.length - 255]);
    expect(parts.join('')).toBe(value);
    await expect.poll(() => card.getByRole('button', { name: 'Activate' }).isDisabled()).toBe(true);

    await card.getByRole('button', { name: 'Check DNS' }).click();
    await card.getByText(`No record at ${name} yet`).waitFor();

    // The admin publishes the record as the page shows it: two character-strings.
    dns.set({ ...zones, [name]: { TXT: [parts] } });
    published = { name, strings: parts };
    await card.getByRole('button', { name: 'Check DNS' }).click();
    await card.getByText('The record of e2e1 is published').waitFor();
    await expect.poll(() => card.getByRole('button', { name: 'Activate' }).isEnabled()).toBe(true);
    await screenshot(page, 'dkim-found');
    await card.getByRole('button', { name: 'Activate' }).click();
    await card.getByText("e2e1 signs the domain's mail from now on.").waitFor();
    await expect.poll(() => card.getAttribute('data-status')).toBe('active');
    await expect.poll(() => page.getByText(`No key signs for ${DOMAIN}`).count()).toBe(0);
    const row = await panel.db.prisma.dkimKey.findFirstOrThrow({ where: { selector: 'e2e1' } });
    expect(row).toMatchObject({ status: 'active', dnsStatus: 'found' });
    expect(await panel.db.prisma.auditLog.count({ where: { actor: admin.email, action: { in: ['dkim.generate', 'dkim.check', 'dkim.activate'] } } })).toBe(4);
    await screenshot(page, 'dkim-active');
  });

  it('the key activated in the browser signs a submission on 465; dkimpy verifies it against the published record', async () => {
    expect(published).not.toBeNull(); // the key was generated, published and activated above
    // The running daemon heard of the key from the panel (NOTIFY on generate and on activate).
    await expect.poll(() => daemon.output.filter((l) => l.includes('"dkim keys changed"')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1', port: daemon.ports.submissions, secure: true,
      tls: { rejectUnauthorized: false }, auth: { user: `writer@${DOMAIN}`, pass: PASSWORD },
    });
    const subject = 'signed with the panel key';
    const info = await transport.sendMail({ from: `writer@${DOMAIN}`, to: 'bob@remote.test', subject, text: 'Signed by the key made in the panel.\n' });
    expect(info.accepted).toEqual(['bob@remote.test']);
    await expect.poll(() => sink.transactions.some((t) => t.raw.includes(`Subject: ${subject}`)), { timeout: 30_000 }).toBe(true);
    const raw = sink.transactions.find((t) => t.raw.includes(`Subject: ${subject}`))!.raw;
    expect(raw.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=dkim-e2e\.test;/m);

    const asked = dns.queries.length;
    const verdict = await dkimpyVerify(raw, dns.server);
    expect(verdict).toMatchObject({ ok: true, d: DOMAIN, s: 'e2e1', a: 'rsa-sha256' });
    expect(dns.queries.slice(asked)).toEqual([`TXT ${published!.name}`]);
    // The key came from that record: without it the same message does not verify.
    dns.set(zones);
    expect((await dkimpyVerify(raw, dns.server)).ok).toBe(false);
    dns.set({ ...zones, [published!.name]: { TXT: [published!.strings] } });
  });

  it('a domain admin of another domain does not see this domain\'s keys', async () => {
    const page = await signedIn(otherAdmin);
    const res = await page.goto(`/domains/${DOMAIN}/dkim`);
    expect(res?.status()).toBe(404);
    expect(await page.content()).not.toContain('_domainkey');
  });
});
