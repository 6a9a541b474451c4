// End to end through the real daemon process (`tsx mail-daemon/main.ts`, as npm start
// runs it): a message sent over SMTP reaches an IDLE-ing IMAP client within a second;
// the cleartext port refuses LOGIN before STARTTLS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { updatePolicy } from '@/lib/policy';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

let db: TestDatabase;
let daemon: DaemonProcess;
let dir: string;
const ports = { imaps: 0, imap: 0 };
const PASSWORD = 'Daemon-Test-Password-7';

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'imap.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'idle@imap.test', password: PASSWORD, quota: '1G' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-imap-daemon-'));
  ports.imaps = await freePort();
  ports.imap = await freePort();
  daemon = await spawnDaemon(db.url, dir, { POSTERN_IMAPS_PORT: String(ports.imaps), POSTERN_IMAP_PORT: String(ports.imap) });
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('SMTP delivery shows up in an IDLE-ing IMAP client within a second', async () => {
  const client = new ImapFlow({ host: '127.0.0.1', port: ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'idle@imap.test', pass: PASSWORD }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const exists = new Promise<number>((resolve) => client.on('exists', (e: { count: number }) => resolve(e.count)));
    const idling = client.idle();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.mx, secure: false, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'someone@example.org', to: 'idle@imap.test', subject: 'Over SMTP', text: 'Pushed by IDLE.' });
    const accepted = Date.now();
    expect(await exists).toBe(1);
    expect(Date.now() - accepted).toBeLessThan(1000);
    await client.noop();
    await idling;
    const msg = await client.fetchOne('1', { envelope: true, source: true });
    expect(msg && msg.envelope!.subject).toBe('Over SMTP');
    expect(msg && msg.source!.toString()).toContain('Pushed by IDLE.');
  } finally {
    lock.release();
  }
  await client.logout();
});

it('the cleartext port offers STARTTLS and refuses LOGIN until it is used', async () => {
  const c = await WireClient.connect(ports.imap, { tls: false });
  expect(await c.line()).toMatch(/STARTTLS LOGINDISABLED\]/);
  expect(await c.command(`a LOGIN idle@imap.test "${PASSWORD}"`)).toEqual(['a NO [PRIVACYREQUIRED] Use TLS first (STARTTLS or port 993)']);
  expect(await c.command('b STARTTLS')).toEqual(['b OK Begin TLS negotiation now']);
  await c.startTls();
  const res = await c.command(`c LOGIN idle@imap.test "${PASSWORD}"`);
  expect(res[res.length - 1]).toMatch(/^c OK/);
  c.close();
});

it('APPENDLIMIT follows the largest message of the policy, without a restart', async () => {
  const c = await WireClient.connect(ports.imaps, { tls: true });
  expect(await c.line()).toMatch(/APPENDLIMIT=52428800/);
  await c.command(`a LOGIN idle@imap.test "${PASSWORD}"`);
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { maxMessageBytes: 100_000 } });
  // The change arrives by NOTIFY; CAPABILITY shows when it has.
  let caps = '';
  for (let i = 0; i < 50 && !caps.includes('APPENDLIMIT=100000'); i++) caps = (await c.command('c CAPABILITY'))[0];
  expect(caps).toContain('APPENDLIMIT=100000');
  expect(await c.command('t APPEND INBOX {100001}')).toEqual(['t NO [TOOBIG] Message larger than the limit of 100000 bytes']);
  c.close();
});
