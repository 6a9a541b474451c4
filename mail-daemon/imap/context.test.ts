// RFC 5267 CONTEXT=SEARCH and CONTEXT=SORT transcripts over TLS against the real store:
// PARTIAL (4.4), UPDATE with ADDTO / REMOVEFROM (4.3) from this session's and another
// session's changes, CANCELUPDATE (4.3.5), tag reuse and NOUPDATE (4.3.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
const PASSWORD = 'correct horse battery';
let n = 0;

function mail(subject: string, day: number): Buffer {
  return Buffer.from(`From: a@example.org\r\nSubject: ${subject}\r\nDate: Thu, ${day} Jan 2026 10:00:00 +0000\r\n\r\nbody\r\n`);
}

/** A user whose INBOX holds messages dated by `days` (sequence number i+1 is days[i]). */
async function mailbox(days: number[]): Promise<{ address: string; mailboxId: string }> {
  const address = `ctx${++n}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  for (const [i, day] of days.entries()) await h.deliver(mailboxId, mail(`m${i + 1}`, day));
  return { address, mailboxId };
}

async function selected(address: string): Promise<WireClient> {
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN ${address} "${PASSWORD}"`)).pop()).toMatch(/^L OK/);
  expect((await c.command('S SELECT INBOX')).pop()).toMatch(/^S OK/);
  return c;
}

type Step = [command: string, untagged: (string | RegExp)[], tagged: RegExp];

async function run(c: WireClient, steps: Step[]): Promise<void> {
  for (const [command, untagged, tagged] of steps) {
    const lines = await c.command(command);
    const last = lines.pop()!;
    const got = { command, lines, tagged: tagged.test(last) ? 'matches' : last };
    expect(got).toEqual({ command, lines: untagged.map((l) => (typeof l === 'string' ? l : expect.stringMatching(l))), tagged: 'matches' });
  }
}

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('RFC 5267 4.4: PARTIAL', () => {
  it('gives the results at the positions asked, in the requested order', async () => {
    const u = await mailbox([5, 3, 9, 1, 7]);
    const c = await selected(u.address);
    await run(c, [
      ['A1 SEARCH RETURN (PARTIAL 2:3) ALL', ['* ESEARCH (TAG "A1") PARTIAL (2:3 2:3)'], /^A1 OK/],
      ['A2 UID SEARCH RETURN (PARTIAL 4:10) ALL', ['* ESEARCH (TAG "A2") UID PARTIAL (4:10 4:5)'], /^A2 OK/],
      ['A3 SEARCH RETURN (PARTIAL 9:20) ALL', ['* ESEARCH (TAG "A3") PARTIAL (9:20 NIL)'], /^A3 OK/],
      ['A4 SEARCH RETURN (COUNT PARTIAL 3:1) ALL', ['* ESEARCH (TAG "A4") COUNT 5 PARTIAL (1:3 1:3)'], /^A4 OK/],
      ['A5 SORT RETURN (PARTIAL 1:3) (DATE) UTF-8 ALL', ['* ESEARCH (TAG "A5") PARTIAL (1:3 4,2,1)'], /^A5 OK/],
      ['A6 SORT RETURN (MIN PARTIAL 4:5) (REVERSE DATE) UTF-8 ALL', ['* ESEARCH (TAG "A6") MIN 3 PARTIAL (4:5 2,4)'], /^A6 OK/],
      ['A7 SEARCH RETURN (CONTEXT COUNT) ALL', ['* ESEARCH (TAG "A7") COUNT 5'], /^A7 OK/],
      ['A8 SEARCH RETURN (ALL PARTIAL 1:2) ALL', [], /^A8 BAD/],
      ['A9 SEARCH RETURN (PARTIAL 0:2) ALL', [], /^A9 BAD/],
      ['A10 SEARCH RETURN (PARTIAL 1:*) ALL', [], /^A10 BAD/],
    ]);
    c.close();
  });
});

describe('RFC 5267 4.3: UPDATE on SEARCH', () => {
  it('sends ADDTO and REMOVEFROM as flags change, in this session and in another', async () => {
    const u = await mailbox([1, 2, 3, 4]);
    const c = await selected(u.address);
    const other = await selected(u.address);
    await run(c, [
      ['B01 UID SEARCH RETURN (UPDATE COUNT) FLAGGED', ['* ESEARCH (TAG "B01") UID COUNT 0'], /^B01 OK .*will notify/],
      // Tag reuse with another searching command is refused and has no effect.
      ['B01 SORT RETURN (UPDATE) (DATE) UTF-8 ALL', [], /^B01 BAD/],
    ]);
    await run(other, [['O1 STORE 2:3 +FLAGS.SILENT (\\Flagged)', [], /^O1 OK/]]);
    await run(c, [
      ['B02 NOOP', [/^\* 2 FETCH \(UID 2 FLAGS \(\\Flagged( \\Recent)?\)\)$/, /^\* 3 FETCH \(UID 3 FLAGS \(\\Flagged( \\Recent)?\)\)$/, '* ESEARCH (TAG "B01") UID ADDTO (0 2:3)'], /^B02 OK/],
      // This session's own STORE changes the result too.
      ['B03 STORE 2 -FLAGS (\\Flagged)', [/^\* 2 FETCH \(FLAGS \((\\Recent)?\)\)$/, '* ESEARCH (TAG "B01") UID REMOVEFROM (0 2)'], /^B03 OK/],
      ['B04 CANCELUPDATE "B01"', [], /^B04 OK/],
      ['B05 STORE 1 +FLAGS (\\Flagged)', [/^\* 1 FETCH \(FLAGS \(\\Flagged( \\Recent)?\)\)$/], /^B05 OK/],
      ['B06 CANCELUPDATE "B01"', [], /^B06 BAD/],
    ]);
    c.close();
    other.close();
  });

  it('tells REMOVEFROM for expunged messages before their EXPUNGE, with numbers still valid', async () => {
    const u = await mailbox([1, 2, 3]);
    const c = await selected(u.address);
    const other = await selected(u.address);
    await run(c, [['C01 SEARCH RETURN (UPDATE) UNDELETED', ['* ESEARCH (TAG "C01") ALL 1:3'], /^C01 OK/]]);
    await run(other, [
      ['O1 STORE 2 +FLAGS.SILENT (\\Deleted)', [], /^O1 OK/],
      ['O2 EXPUNGE', ['* 2 EXPUNGE'], /^O2 OK/],
    ]);
    await run(c, [['C02 NOOP', ['* ESEARCH (TAG "C01") REMOVEFROM (0 2)', '* 2 EXPUNGE'], /^C02 OK/]]);
    c.close();
    other.close();
  });
});

describe('RFC 5267 4.3: UPDATE on SORT', () => {
  it('inserts new messages at their sorted position after EXISTS, and removes at positions', async () => {
    const u = await mailbox([5, 3, 9]);
    const c = await selected(u.address);
    await run(c, [['D01 SORT RETURN (UPDATE) (DATE) UTF-8 UNSEEN', ['* ESEARCH (TAG "D01") ALL 2,1,3'], /^D01 OK/]]);
    await h.deliver(u.mailboxId, mail('m4', 4));
    await run(c, [
      ['D02 NOOP', ['* 4 EXISTS', /^\* \d+ RECENT$/, '* ESEARCH (TAG "D01") ADDTO (2 4)'], /^D02 OK/],
      ['D03 STORE 1 +FLAGS (\\Seen)', [/^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)$/, '* ESEARCH (TAG "D01") REMOVEFROM (3 1)'], /^D03 OK/],
      ['D04 STORE 1,3 +FLAGS.SILENT (\\Deleted)', [], /^D04 OK/],
      ['D05 EXPUNGE', ['* ESEARCH (TAG "D01") REMOVEFROM (3 3)', '* 3 EXPUNGE', '* 1 EXPUNGE'], /^D05 OK/],
      ['D06 SORT RETURN (ALL) (DATE) UTF-8 UNSEEN', ['* ESEARCH (TAG "D06") ALL 1:2'], /^D06 OK/],
    ]);
    c.close();
  });

  it('refuses more contexts than its limit with NO [NOUPDATE], still answering', async () => {
    const u = await mailbox([1]);
    const c = await selected(u.address);
    for (let i = 1; i <= 10; i++) await run(c, [[`E${i} SEARCH RETURN (UPDATE) ALL`, [`* ESEARCH (TAG "E${i}") ALL 1`], /OK .*will notify/]]);
    await run(c, [['E11 UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 ALL', ['* ESEARCH (TAG "E11") UID COUNT 1', '* NO [NOUPDATE "E11"] Too many contexts'], /^E11 OK .*will not notify/]]);
    c.close();
  });

  it('ends with the selection', async () => {
    const u = await mailbox([1, 2]);
    const c = await selected(u.address);
    await run(c, [
      ['F01 SEARCH RETURN (UPDATE) SEEN', ['* ESEARCH (TAG "F01")'], /^F01 OK/],
    ]);
    expect((await c.command('F02 SELECT INBOX')).pop()).toMatch(/^F02 OK/);
    await run(c, [['F03 STORE 1 +FLAGS (\\Seen)', [/^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)$/], /^F03 OK/]]);
    c.close();
  });
});
