// NOTIFY (RFC 5465) end to end through the real daemon process: mail sent over SMTP to its MX
// port reaches NOTIFY sessions that are between commands (not in IDLE), as EXISTS with
// MessageNew's fetch attributes for the selected mailbox and as STATUS for a session that has
// nothing selected.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { loginClient, runSteps } from '@/mail-daemon/testing/imap-transcript';

let db: TestDatabase;
let daemon: DaemonProcess;
let dir: string;
let imaps = 0;
const PASSWORD = 'Notify-Daemon-Password-7';

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'notify.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'watch@notify.test', password: PASSWORD, quota: '1G' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-notify-daemon-'));
  imaps = await freePort();
  daemon = await spawnDaemon(db.url, dir, { POSTERN_IMAPS_PORT: String(imaps), POSTERN_IMAP_PORT: String(await freePort()) });
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('SMTP delivery reaches NOTIFY sessions between commands: EXISTS with the Subject header, and STATUS', async () => {
  const selected = await loginClient(imaps, 'watch@notify.test', PASSWORD);
  const other = await loginClient(imaps, 'watch@notify.test', PASSWORD);
  try {
    await runSteps(selected, [
      ['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']],
      ['n NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge))', ['n OK NOTIFY completed']],
    ]);
    await runSteps(other, [['n NOTIFY SET STATUS (INBOXES (MessageNew MessageExpunge))', [/^\* STATUS "INBOX" \(MESSAGES 0 /, /^\* STATUS "Junk" \(MESSAGES 0 /, 'n OK NOTIFY completed']]]);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.mx, secure: false, tls: { rejectUnauthorized: false } });
    await transport.sendMail({ from: 'someone@example.org', to: 'watch@notify.test', subject: 'Over SMTP', text: 'Told by NOTIFY.' });
    await runSteps(selected, [[null, ['* 1 EXISTS', '* 1 RECENT', /^\* 1 FETCH \(UID 1 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: Over SMTP\r\n\r\n\)$/]]]);
    await runSteps(other, [[null, [/^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/]]]);
  } finally {
    selected.close();
    other.close();
  }
});
