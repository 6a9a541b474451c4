// SEARCH BODY over the body match text stored at delivery/APPEND (mail_blobs.search_body;
// ./body-scan.ts bodyMatchText): each text part decoded and folded, one per line; stored by both
// ways in, used by SEARCH (the stored bytes are not read for it), and the same answers for messages
// stored without it (before the column, or text too large to keep), whose text SEARCH then fills in
// when it loaded them whole. Over TLS against the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { BODY_TEXT_BYTES } from './body-scan';

let h: ImapHarness;
let c: WireClient;
let mailboxId: string;
const PASSWORD = 'correct horse battery';

const MULTIPART = [
  'From: a@example.org',
  'Subject: report',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=E9 MENU of the',
  '--b1',
  'Content-Type: application/pdf',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('secret attachment words').toString('base64'),
  '--b1',
  'Content-Type: message/rfc822',
  '',
  'Subject: inner',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('<p>Day   of\r\nthe  Jackal</p>').toString('base64'),
  '--b1--',
  '',
].join('\r\n');
const DELIVERED = [
  'From: a@example.org\r\nSubject: plain\r\n\r\nThe quick  brown\r\n\tfox jumps\r\n',
  MULTIPART,
  // A text part too large to keep: streamed at each SEARCH, as before the column.
  `From: a@example.org\r\nSubject: large\r\n\r\n${'filler line of text\r\n'.repeat(Math.ceil(BODY_TEXT_BYTES / 21))}needle at the end\r\n`,
];
const APPENDED = 'From: b@example.org\r\nSubject: appended\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n';

/** Each SEARCH with the answer it must get, whichever way the body is read. */
const SEARCHES: [string, string][] = [
  ['BODY "quick brown fox"', '* SEARCH 1'],
  ['BODY "QUICK"', '* SEARCH 1'],
  ['BODY "café menu"', '* SEARCH 2'],
  // Inside an encapsulated message, decoded, its whitespace folded.
  ['BODY "day of the jackal"', '* SEARCH 2'],
  // Not text: an attachment is not searched.
  ['BODY "secret"', '* SEARCH'],
  // A match does not span two parts.
  ['BODY "of the <p>day"', '* SEARCH'],
  ['BODY "needle at the end"', '* SEARCH 3'],
  ['BODY "grüße aus köln"', '* SEARCH 4'],
  ['BODY ""', '* SEARCH 1 2 3 4'],
  ['NOT BODY "the"', '* SEARCH 4'],
  ['OR BODY "fox" BODY "köln"', '* SEARCH 1 4'],
  ['BODY "the" SUBJECT "report"', '* SEARCH 2'],
  ['FLAGGED BODY "fox"', '* SEARCH'],
];

/** Quoted strings with non-ASCII text go as LITERAL+ literals (RFC 3501 quoted strings are 7-bit). */
function wire(criteria: string): string {
  return criteria.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) => {
    if (!/[^\x00-\x7f]/.test(inner)) return quoted;
    return `{${Buffer.byteLength(inner)}+}\r\n${inner}`;
  });
}

async function transcript(rows: [string, string][]): Promise<void> {
  for (const [i, [criteria, response]] of rows.entries()) {
    const lines = await c.command(`T${i} SEARCH CHARSET UTF-8 ${wire(criteria)}`);
    const tagged = lines.pop()!;
    expect({ criteria, lines, tagged }).toEqual({ criteria, lines: [response], tagged: expect.stringMatching(new RegExp(`^T${i} OK`)) });
  }
}

async function stored(): Promise<(string | null)[]> {
  const r = await h.pool.query<{ body: string | null }>(
    `SELECT b.search_body AS body
       FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mail_blobs b ON b.id = m.blob_id
      WHERE f.mailbox_id = $1 ORDER BY m.uid`,
    [mailboxId],
  );
  return r.rows.map((x) => x.body);
}

async function setStored(uids: number[], body: string | null): Promise<void> {
  await h.pool.query(
    `UPDATE mail_blobs b SET search_body = $3
       FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
      WHERE m.blob_id = b.id AND f.mailbox_id = $1 AND m.uid = ANY($2::bigint[])`,
    [mailboxId, uids, body],
  );
}

beforeAll(async () => {
  h = await startImapHarness();
  mailboxId = await h.addUser('body@example.com', PASSWORD);
  for (const m of DELIVERED) await h.deliver(mailboxId, Buffer.from(m));
  c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN body@example.com "${PASSWORD}"`)).pop()).toMatch(/^L OK/);
  c.write(`A APPEND INBOX {${Buffer.byteLength(APPENDED)}+}\r\n${APPENDED}\r\n`);
  expect((await c.until('A')).pop()).toMatch(/^A OK/);
  expect((await c.command('S SELECT INBOX')).pop()).toMatch(/^S OK/);
});
afterAll(async () => {
  c?.close();
  await h?.close();
});

describe('body match text stored at delivery and APPEND', () => {
  it('holds each text part decoded and folded, one per line, and no attachment', async () => {
    expect(await stored()).toEqual([
      'the quick brown fox jumps ',
      // The encapsulated message's own text part, decoded; the attachment not at all.
      'café menu of the\n<p>day of the jackal</p>',
      null,
      'grüße aus köln ',
    ]);
  });
});

describe('SEARCH BODY', () => {
  it('answers each key as RFC 3501 6.4.4 asks', async () => {
    await transcript(SEARCHES);
  });

  it('matches the stored text, not the bytes', async () => {
    await setStored([1], 'lazy dog');
    await transcript([
      ['BODY "lazy dog"', '* SEARCH 1'],
      ['BODY "quick brown fox"', '* SEARCH'],
      // TEXT reads the bytes.
      ['TEXT "quick brown fox"', '* SEARCH 1'],
    ]);
    await setStored([1], 'the quick brown fox jumps ');
  });

  it('gives the same answers for messages stored without the text, and fills it in', async () => {
    const before = await stored();
    await setStored([1, 4], null);
    await transcript(SEARCHES);
    // The first BODY search loaded them whole and stored their text, the same as at delivery.
    expect(await stored()).toEqual(before);
    await setStored([1, 2, 3, 4], null);
    await transcript(SEARCHES);
    expect(await stored()).toEqual(before);
  });
});
