// SORT (RFC 5256 3), SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267 3.1) transcripts: client
// lines → server lines over TLS against the real store, one table per clause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let c: WireClient;
let mailboxId: string;
const PASSWORD = 'correct horse battery';

interface Mail {
  subject: string;
  from: string;
  to: string;
  cc?: string;
  date?: string;
  internal: string;
  body: number;
}

/**
 * Five messages whose every key orders them differently. UIDs are 2..6 for sequence numbers
 * 1..5 (the first delivered message is expunged), so SORT and UID SORT answers differ.
 */
const MAILS: Mail[] = [
  { subject: 'Re: beta', from: 'Zed <zed@example.org>', to: 'amy@example.org', cc: 'Mo <mo@example.org>', date: 'Mon, 5 Jan 2026 10:00:00 +0000', internal: '2026-02-01', body: 3000 },
  { subject: 'alpha', from: '"Bob" <bob@example.org>', to: 'Zack <carl@example.org>', date: 'Sat, 3 Jan 2026 10:00:00 +0000', internal: '2026-02-03', body: 500 },
  // 11:00 +0200 is 09:00 UTC: before message 2 although its clock time is later.
  { subject: '[list] Beta (fwd)', from: 'adam@example.org', to: 'Zoe <zoe@example.org>', cc: 'al@example.org', date: 'Sat, 3 Jan 2026 11:00:00 +0200', internal: '2026-02-02', body: 2000 },
  // No Date header: its sent date is its internal date (RFC 5256 2.2).
  { subject: 'Fwd: ALPHA', from: '=?UTF-8?Q?=C3=89mile?= <emile@example.org>', to: 'bea@example.org', internal: '2026-01-01', body: 10000 },
  { subject: 'gamma', from: 'Carol <carol@example.org>', to: 'Dan <dan@example.org>', date: 'Fri, 2 Jan 2026 10:00:00 +0000', internal: '2026-02-05', body: 1000 },
];

function raw(m: Mail): Buffer {
  const head = [`From: ${m.from}`, `To: ${m.to}`, ...(m.cc ? [`Cc: ${m.cc}`] : []), `Subject: ${m.subject}`, ...(m.date ? [`Date: ${m.date}`] : [])];
  const line = 'x'.repeat(98) + '\r\n';
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${line.repeat(Math.floor(m.body / 100))}`);
}

async function login(): Promise<WireClient> {
  const client = await WireClient.connect(h.port, { tls: true });
  await client.line();
  expect((await client.command(`L LOGIN sort@example.com "${PASSWORD}"`)).pop()).toMatch(/^L OK/);
  expect((await client.command('S SELECT INBOX')).pop()).toMatch(/^S OK/);
  return client;
}

beforeAll(async () => {
  h = await startImapHarness();
  mailboxId = await h.addUser('sort@example.com', PASSWORD);
  await h.deliver(mailboxId, Buffer.from('Subject: gone\r\n\r\nx\r\n'));
  for (const m of MAILS) await h.deliver(mailboxId, raw(m), new Date(`${m.internal}T12:00:00Z`));
  c = await login();
  expect((await c.command('D STORE 1 +FLAGS.SILENT (\\Deleted)')).pop()).toMatch(/^D OK/);
  expect((await c.command('E EXPUNGE')).pop()).toMatch(/^E OK/);
});
afterAll(async () => {
  c?.close();
  await h?.close();
});

type Row = [command: string, response: string];

async function transcript(rows: Row[]): Promise<void> {
  for (const [i, [command, response]] of rows.entries()) {
    const lines = await c.command(`T${i} ${command}`);
    const tagged = lines.pop()!;
    expect({ command, lines, tagged }).toEqual({ command, lines: response ? [response] : [], tagged: expect.stringMatching(new RegExp(`^T${i} OK`)) });
  }
}

describe('capabilities', () => {
  it('announces SORT, SORT=DISPLAY, ESORT, CONTEXT=SEARCH, CONTEXT=SORT and both THREAD algorithms', async () => {
    const lines = await c.command('C CAPABILITY');
    const caps = lines[0].split(' ');
    for (const cap of ['SORT', 'SORT=DISPLAY', 'ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES']) expect(caps).toContain(cap);
  });
});

describe('RFC 5256 3: SORT keys, ties by sequence number', () => {
  it.each<Row>([
    ['SORT (ARRIVAL) UTF-8 ALL', '* SORT 4 1 3 2 5'],
    ['SORT (CC) UTF-8 ALL', '* SORT 2 4 5 3 1'],
    ['SORT (DATE) UTF-8 ALL', '* SORT 4 5 3 2 1'],
    ['SORT (FROM) UTF-8 ALL', '* SORT 3 2 5 4 1'],
    ['SORT (SIZE) UTF-8 ALL', '* SORT 2 5 3 1 4'],
    ['SORT (SUBJECT) UTF-8 ALL', '* SORT 2 4 1 3 5'],
    ['SORT (TO) UTF-8 ALL', '* SORT 1 4 2 5 3'],
    ['SORT (REVERSE FROM) UTF-8 ALL', '* SORT 1 4 5 2 3'],
    ['SORT (SUBJECT REVERSE DATE) UTF-8 ALL', '* SORT 2 4 1 3 5'],
    ['SORT (REVERSE CC SUBJECT) UTF-8 ALL', '* SORT 1 3 2 4 5'],
    ['SORT (REVERSE SUBJECT REVERSE DATE) UTF-8 ALL', '* SORT 5 1 3 2 4'],
    ['sort (subject) utf-8 all', '* SORT 2 4 1 3 5'],
  ])('%s', (command, response) => transcript([[command, response]]));
});

describe('RFC 5256 3: the search part is SEARCH\'s', () => {
  it.each<Row>([
    ['SORT (DATE) UTF-8 SINCE 1-Feb-2026', '* SORT 5 3 2 1'],
    ['SORT (SUBJECT) UTF-8 FROM "bob"', '* SORT 2'],
    ['SORT (SUBJECT) UTF-8 OR FROM zed TO dan', '* SORT 1 5'],
    ['SORT (SUBJECT) UTF-8 2:4', '* SORT 2 4 3'],
    ['SORT (SUBJECT) US-ASCII TEXT "not in mailbox"', '* SORT'],
    ['UID SORT (DATE) UTF-8 ALL', '* SORT 5 6 4 3 2'],
    ['UID SORT (DATE) UTF-8 UID 3:5', '* SORT 5 4 3'],
    ['SORT (SUBJECT) UTF-8 CHARSET UTF-8 ALL', '* SORT 2 4 1 3 5'],
    ['SORT (DATE) UTF-8 MODSEQ 1000000', '* SORT'],
  ])('%s', (command, response) => transcript([[command, response]]));

  it('RFC 7162 3.1.5: MODSEQ in the criteria adds the highest modseq of the messages answered', async () => {
    const fetched = await c.command('F UID FETCH 3:4 (MODSEQ)');
    const highest = Math.max(...fetched.flatMap((l) => [...l.matchAll(/MODSEQ \((\d+)\)/g)].map((m) => Number(m[1]))));
    await transcript([
      ['SORT (DATE) UTF-8 MODSEQ 1 UID 3:4', `* SORT 3 2 (MODSEQ ${highest})`],
      ['SORT RETURN (COUNT) (DATE) UTF-8 MODSEQ 1 UID 3:4', `* ESEARCH (TAG "T1") COUNT 2 MODSEQ ${highest}`],
    ]);
  });
});

describe('RFC 5957: DISPLAYFROM and DISPLAYTO sort the decoded display name, else the address', () => {
  it.each<Row>([
    // i;unicode-casemap (RFC 5051): "Émile" decomposes to E + U+0301 and sorts among the E's.
    ['SORT (DISPLAYFROM) UTF-8 ALL', '* SORT 3 2 5 4 1'],
    ['SORT (DISPLAYTO) UTF-8 ALL', '* SORT 1 4 5 2 3'],
    ['SORT (REVERSE DISPLAYTO) UTF-8 ALL', '* SORT 3 2 5 4 1'],
  ])('%s', (command, response) => transcript([[command, response]]));
});

describe('RFC 5267 3.1: ESORT answers SORT RETURN with ESEARCH in sort order', () => {
  it.each<Row>([
    ['SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL', '* ESEARCH (TAG "T0") MIN 4 MAX 1 COUNT 5'],
    ['SORT RETURN (ALL) (DATE) UTF-8 ALL', '* ESEARCH (TAG "T0") ALL 4:5,3,2,1'],
    ['SORT RETURN () (REVERSE ARRIVAL) UTF-8 ALL', '* ESEARCH (TAG "T0") ALL 5,2:3,1,4'],
    ['UID SORT RETURN (COUNT ALL) (SIZE) UTF-8 ALL', '* ESEARCH (TAG "T0") UID COUNT 5 ALL 3,6,4,2,5'],
    ['SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 TEXT "not in mailbox"', '* ESEARCH (TAG "T0") COUNT 0'],
  ])('%s', (command, response) => transcript([[command, response]]));
});

describe('RFC 5256 3: errors', () => {
  it.each<[string, RegExp]>([
    ['SORT (SUBJECT) ISO-8859-1 ALL', /^X NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/],
    ['SORT (SUBJECT) ALL', /^X NO \[BADCHARSET/],
    ['SORT (WEIGHT) UTF-8 ALL', /^X BAD /],
    ['SORT () UTF-8 ALL', /^X BAD /],
    ['SORT (REVERSE) UTF-8 ALL', /^X BAD /],
    ['SORT SUBJECT UTF-8 ALL', /^X BAD /],
    ['SORT (SUBJECT) UTF-8', /^X BAD /],
    ['SORT RETURN (FOO) (SUBJECT) UTF-8 ALL', /^X BAD /],
  ])('%s', async (command, tagged) => {
    const lines = await c.command(`X ${command}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(tagged);
  });

  it('is refused outside the selected state', async () => {
    const other = await WireClient.connect(h.port, { tls: true });
    await other.line();
    await other.command(`L LOGIN sort@example.com "${PASSWORD}"`);
    expect((await other.command('X SORT (SUBJECT) UTF-8 ALL')).pop()).toMatch(/^X BAD \[CLIENTBUG\]/);
    other.close();
  });
});

describe('sort keys of messages stored before they were computed', () => {
  it('are computed when SORT first reads the folder, and SORT orders by them', async () => {
    await h.pool.query(
      `UPDATE mail_blobs b SET sort_subject = NULL, thread_reply = NULL, sort_from = NULL, sort_to = NULL, sort_cc = NULL,
              sort_display_from = NULL, sort_display_to = NULL, message_id = NULL
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
        WHERE m.blob_id = b.id AND f.mailbox_id = $1`,
      [mailboxId],
    );
    await transcript([
      ['SORT (SUBJECT) UTF-8 ALL', '* SORT 2 4 1 3 5'],
      // i;unicode-casemap (RFC 5051): "Émile" decomposes to E + U+0301 and sorts among the E's.
    ['SORT (DISPLAYFROM) UTF-8 ALL', '* SORT 3 2 5 4 1'],
    ]);
    const left = await h.pool.query(
      `SELECT count(*)::int AS n FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id JOIN mail_folders f ON f.id = m.folder_id
        WHERE f.mailbox_id = $1 AND b.sort_subject IS NULL`,
      [mailboxId],
    );
    expect(left.rows[0].n).toBe(0);
  });
});

describe('the same SORT again', () => {
  it('is answered anew after each change to the folder', async () => {
    await transcript([
      ['SORT (DATE) UTF-8 FLAGGED', '* SORT'],
      ['SORT (DATE) UTF-8 FLAGGED', '* SORT'],
      ['STORE 2,5 +FLAGS.SILENT (\\Flagged)', ''],
      ['SORT (DATE) UTF-8 FLAGGED', '* SORT 5 2'],
      ['STORE 5 -FLAGS.SILENT (\\Flagged)', ''],
      ['SORT (DATE) UTF-8 FLAGGED', '* SORT 2'],
      ['STORE 2 -FLAGS.SILENT (\\Flagged)', ''],
      ['SORT (DATE) UTF-8 FLAGGED', '* SORT'],
    ]);
  });
});
