// The real daemon process (`tsx mail-daemon/main.ts`, as npm start runs it) listens on POP3S
// and, when POSTERN_POP3_PORT is set, on cleartext POP3 with STLS: mail sent over SMTP is
// retrieved and deleted over POP3, and the login is in the client TLS statistics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { createAppPassword, revokeAppPassword } from '@/lib/app-passwords';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';

let db: TestDatabase;
let daemon: DaemonProcess;
let dir: string;
let pop3Port = 0;
let mailbox: { id: string };
const PASSWORD = 'Daemon-Pop3-Password-7';

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'pop3.test' });
  mailbox = (await createMailbox(db.prisma, SYSTEM, { address: 'reader@pop3.test', password: PASSWORD, quota: '1G' })).mailbox;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-pop3-daemon-'));
  pop3Port = await freePort();
  daemon = await spawnDaemon(db.url, dir, { POSTERN_POP3_PORT: String(pop3Port) });
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('announces both POP3 listeners, and /readyz finds them listening', async () => {
  const line = daemon.output.find((l) => l.includes('"mail daemon started"'))!;
  expect(JSON.parse(line).listeners).toEqual(
    expect.arrayContaining([
      { name: 'pop3s', port: daemon.ports.pop3s, tls: 'implicit' },
      { name: 'pop3', port: pop3Port, tls: 'starttls' },
    ]),
  );
  const ready = await (await fetch(`http://127.0.0.1:${daemon.ports.health}/readyz`)).json();
  expect(ready.listeners.map((l: { name: string; port: number; ok: boolean }) => [l.name, l.port, l.ok])).toEqual(
    expect.arrayContaining([
      ['pop3s', daemon.ports.pop3s, true],
      ['pop3', pop3Port, true],
    ]),
  );
});

it('a message sent over SMTP is retrieved and deleted over POP3S; the login is counted as pop3 over TLS', async () => {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.mx, secure: false, tls: { rejectUnauthorized: false } });
  await transport.sendMail({ from: 'someone@example.org', to: 'reader@pop3.test', subject: 'Over SMTP', text: 'Fetched by POP3.' });
  const c = await Pop3Wire.connect(daemon.ports.pop3s, { tls: true });
  expect(await c.line()).toBe('+OK Postern POP3 server ready');
  expect(await c.command('USER reader@pop3.test')).toBe('+OK Send the password');
  expect(await c.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in, 1 messages \(\d+ octets\)$/);
  expect(await c.command('RETR 1')).toMatch(/^\+OK \d+ octets$/);
  const message = await c.multiline();
  expect(message).toContain('Subject: Over SMTP');
  expect(message).toContain('Fetched by POP3.');
  expect(await c.command('DELE 1')).toBe('+OK Message 1 deleted');
  expect(await c.command('QUIT')).toBe('+OK Postern POP3 server signing off (1 messages deleted)');
  const left = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mailboxes b ON b.id = f.mailbox_id WHERE b.address = 'reader@pop3.test'`);
  expect(Number(left[0].n)).toBe(0);
  // The TLS statistics row is written by the login's second statement (with its throttle bookkeeping), before the +OK.
  const deadline = Date.now() + 10_000;
  let rows: { service: string; tls_version: string }[] = [];
  while (!rows.length && Date.now() < deadline) {
    rows = await db.prisma.$queryRawUnsafe(`SELECT service, tls_version FROM tls_client_logins WHERE service = 'pop3'`);
  }
  expect(rows).toEqual([{ service: 'pop3', tls_version: 'TLSv1.3' }]);
});

it('the cleartext port offers STLS and refuses USER until it is used', async () => {
  const c = await Pop3Wire.connect(pop3Port, { tls: false });
  expect(await c.line()).toBe('+OK Postern POP3 server ready');
  expect(await c.command('USER reader@pop3.test')).toBe('-ERR [AUTH] Authentication is only allowed over TLS: use STLS or port 995');
  expect(await c.command('STLS')).toBe('+OK Begin TLS negotiation');
  await c.startTls();
  expect(await c.command('USER reader@pop3.test')).toBe('+OK Send the password');
  expect(await c.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in, 0 messages/);
  c.close();
});

it('an app password logs in over POP3S, and revoking it in the panel ends that session in the daemon', async () => {
  const owner = { kind: 'mailbox', id: mailbox.id, address: 'reader@pop3.test', domainId: '' } as const;
  const phone = await createAppPassword(db.prisma, owner, { name: 'Phone' });
  const c = await Pop3Wire.connect(daemon.ports.pop3s, { tls: true });
  await c.line();
  await c.command('USER reader@pop3.test');
  expect(await c.command(`PASS ${phone.password}`)).toMatch(/^\+OK Logged in/);
  await revokeAppPassword(db.prisma, owner, { id: phone.id });
  expect(await c.closedByServer()).toEqual(['-ERR [AUTH] Your credentials changed: log in again']);
});
