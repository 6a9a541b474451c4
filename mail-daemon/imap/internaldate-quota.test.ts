// RFC 3501 6.3.11 APPEND date-time: INTERNALDATE keeps the zone the client gave (COPY keeps it,
// deliveries show +0000). RFC 9208 QUOTA with the STORAGE resource (QUOTA=RES-STORAGE): units of
// 1024 octets, one quota root "" per account, STATUS DELETED-STORAGE. Real TLS, real store.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { freshUser, loginClient, runSteps } from '@/mail-daemon/testing/imap-transcript';

let h: ImapHarness;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('RFC 3501 6.3.11 APPEND date-time, 7.4.2 INTERNALDATE', () => {
  it('shows the zone APPEND gave, after COPY too; a delivery shows +0000', async () => {
    const { address, mailboxId } = await freshUser(h, PASSWORD, 'date');
    await h.deliver(mailboxId, testMessage('Delivered'), new Date(Date.UTC(2026, 0, 2, 12, 0, 0)));
    const c = await loginClient(h.port, address, PASSWORD);
    const msg = testMessage('Appended').toString();
    await runSteps(c, [
      [`d1 APPEND INBOX "17-Jul-1996 02:44:25 -0700" {${msg.length}+}\r\n${msg}`, [/^d1 OK \[APPENDUID \d+ 2\]/]],
      [`d2 APPEND INBOX " 5-Mar-2024 23:30:00 +0530" {${msg.length}+}\r\n${msg}`, [/^d2 OK \[APPENDUID \d+ 3\]/]],
      ['d3 SELECT INBOX', ['...', 'd3 OK [READ-WRITE] SELECT completed']],
      ['d4 FETCH 1:3 INTERNALDATE', [
        '* 1 FETCH (INTERNALDATE "02-Jan-2026 12:00:00 +0000")',
        '* 2 FETCH (INTERNALDATE "17-Jul-1996 02:44:25 -0700")',
        '* 3 FETCH (INTERNALDATE "05-Mar-2024 23:30:00 +0530")',
        'd4 OK FETCH completed',
      ]],
      // The instant is unchanged: SEARCH compares dates as before.
      ['d5 UID SEARCH SINCE 17-Jul-1996 BEFORE 18-Jul-1996', ['* SEARCH 2', 'd5 OK UID SEARCH completed']],
      ['d6 COPY 2:3 Trash', [/^d6 OK \[COPYUID/]],
      ['d7 SELECT Trash', ['...', 'd7 OK [READ-WRITE] SELECT completed']],
      ['d8 FETCH 1:2 INTERNALDATE', [
        '* 1 FETCH (INTERNALDATE "17-Jul-1996 02:44:25 -0700")',
        '* 2 FETCH (INTERNALDATE "05-Mar-2024 23:30:00 +0530")',
        'd8 OK FETCH completed',
      ]],
    ]);
    c.close();
  });
});

describe('RFC 9208 QUOTA, QUOTA=RES-STORAGE', () => {
  it('advertises the STORAGE resource and reports it in 1024-octet units', async () => {
    const address = `quota-${Date.now()}@example.com`;
    const mailboxId = await h.addUser(address, PASSWORD, { quotaBytes: 10 * 1024 * 1024 });
    const raw = testMessage('Quota', 'x'.repeat(3000) + '\r\n');
    await h.deliver(mailboxId, raw);
    const kib = Math.ceil(raw.length / 1024);
    const c = await loginClient(h.port, address, PASSWORD);
    await runSteps(c, [
      ['q1 CAPABILITY', [/^\* CAPABILITY .* QUOTA QUOTA=RES-STORAGE( |$)/, 'q1 OK CAPABILITY completed']],
      ['q2 GETQUOTAROOT INBOX', ['* QUOTAROOT "INBOX" ""', `* QUOTA "" (STORAGE ${kib} 10240)`, 'q2 OK GETQUOTAROOT completed']],
      ['q3 GETQUOTAROOT Sent', ['* QUOTAROOT "Sent" ""', `* QUOTA "" (STORAGE ${kib} 10240)`, 'q3 OK GETQUOTAROOT completed']],
      ['q4 GETQUOTA ""', [`* QUOTA "" (STORAGE ${kib} 10240)`, 'q4 OK GETQUOTA completed']],
      ['q5 GETQUOTA "user.other"', ['q5 NO [NONEXISTENT] No such quota root']],
      ['q6 GETQUOTAROOT nowhere', ['q6 NO [NONEXISTENT] No such mailbox']],
      ['q7 SETQUOTA "" (STORAGE 1)', ['q7 NO [NOPERM] Quotas are set by the administrator']],
      ['q8 STATUS INBOX (DELETED DELETED-STORAGE)', ['* STATUS "INBOX" (DELETED 0 DELETED-STORAGE 0)', 'q8 OK STATUS completed']],
      ['q9 SELECT INBOX', ['...', 'q9 OK [READ-WRITE] SELECT completed']],
      ['q10 STORE 1 +FLAGS.SILENT (\\Deleted)', ['q10 OK STORE completed']],
      ['q11 STATUS INBOX (DELETED DELETED-STORAGE)', [`* STATUS "INBOX" (DELETED 1 DELETED-STORAGE ${kib})`, 'q11 OK STATUS completed']],
      ['q12 EXPUNGE', ['* 1 EXPUNGE', 'q12 OK EXPUNGE completed']],
      ['q13 GETQUOTA ""', ['* QUOTA "" (STORAGE 0 10240)', 'q13 OK GETQUOTA completed']],
    ]);
    c.close();
  });
});
