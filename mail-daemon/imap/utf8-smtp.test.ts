// RFC 6855 with RFC 6531 on the other side: a message received over SMTP with SMTPUTF8 (a UTF-8
// sender, UTF-8 header fields) is read over IMAP as it arrived, by a session that enabled
// UTF8=ACCEPT and by one that did not (RFC 6855 5: served unchanged, no downgrade). Through the
// real daemon process, as npm start runs it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { RawSmtp, transcript } from '@/mail-daemon/testing/smtp';

let db: TestDatabase;
let daemon: DaemonProcess;
let dir: string;
const PASSWORD = 'Utf8-Test-Password-7';
const ADDRESS = 'rcpt@utf8.test';

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'utf8.test' });
  await createMailbox(db.prisma, SYSTEM, { address: ADDRESS, password: PASSWORD, quota: '1G' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-imap-utf8-'));
  daemon = await spawnDaemon(db.url, dir);
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const HEADER = `From: Jürgen <jürgen@bücher.example>\r\nTo: <${ADDRESS}>\r\nSubject: Grüße aus Köln\r\n`;

it('SMTPUTF8 mail reaches IMAP unchanged, for UTF8=ACCEPT and legacy sessions', async () => {
  const { client } = await RawSmtp.connect(daemon.ports.mx);
  const [ehlo] = await transcript(client, [['EHLO client.example', 250]]);
  expect(ehlo.lines).toContain('SMTPUTF8');
  await transcript(client, [
    ['MAIL FROM:<jürgen@bücher.example> SMTPUTF8', 250],
    [`RCPT TO:<${ADDRESS}>`, 250],
    ['DATA', 354],
    [`${HEADER}Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <g1@bücher.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n.`, 250],
  ]);
  client.close();

  for (const utf8 of [true, false]) {
    const c = await WireClient.connect(daemon.ports.imaps, { tls: true });
    await c.line();
    expect((await c.command(`L LOGIN ${ADDRESS} "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
    if (utf8) expect(await c.command('E ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED UTF8=ACCEPT', 'E OK ENABLE completed']);
    expect((await c.command('S EXAMINE INBOX')).at(-1)).toMatch(/^S OK/);
    const fields = `${HEADER}\r\n`;
    expect(await c.command('F FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT)])')).toEqual([
      `* 1 FETCH (BODY[HEADER.FIELDS (FROM TO SUBJECT)] {${Buffer.byteLength(fields)}}\r\n${fields})`,
      'F OK FETCH completed',
    ]);
    expect(await c.command('G SEARCH SUBJECT "Grüße"')).toEqual(['* SEARCH 1', 'G OK SEARCH completed']);
    c.close();
  }
});
