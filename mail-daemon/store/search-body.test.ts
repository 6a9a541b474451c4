// SEARCH BODY over the body match text (mail_blobs.search_body; ./body-scan.ts bodyMatchText): each
// text part decoded and folded, one per line, stored after delivery/APPEND by the search indexer
// (./body-index.ts) or by a SEARCH that loaded the message whole; the same answers before and after,
// the stored text used once there (the bytes are not read for it), and the indexer taking only
// messages nobody else is indexing. Over TLS against the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { searchTranscript } from '@/mail-daemon/testing/imap-transcript';
import { indexBodyTexts } from './body-index';
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
// A NUL, which a Postgres text cannot hold, delivered after the APPEND.
const WITH_NUL = 'From: a@example.org\r\nSubject: nul\r\n\r\nbefore\0after\r\n';

/** The texts the indexer stores, by UID: none for the message over 1 MiB. */
const TEXTS = ['the quick brown fox jumps ', 'café menu of the\n<p>day of the jackal</p>', null, 'grüße aus köln ', 'before\nafter '];

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
  ['BODY ""', '* SEARCH 1 2 3 4 5'],
  ['NOT BODY "the"', '* SEARCH 4 5'],
  ['BODY "before"', '* SEARCH 5'],
  ['BODY "beforeafter"', '* SEARCH'],
  ['OR BODY "fox" BODY "köln"', '* SEARCH 1 4'],
  ['BODY "the" SUBJECT "report"', '* SEARCH 2'],
  ['FLAGGED BODY "fox"', '* SEARCH'],
];

const transcript = (rows: [string, string][]) => searchTranscript(c, rows);

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
  await h.deliver(mailboxId, Buffer.from(WITH_NUL));
  expect((await c.command('S SELECT INBOX')).pop()).toMatch(/^S OK/);
});
afterAll(async () => {
  c?.close();
  await h?.close();
});

/** Runs the indexer until it finds nothing to claim; returns how many it stored. */
async function indexAll(): Promise<number> {
  let total = 0;
  for (let n = await indexBodyTexts(h.pool); n > 0; n = await indexBodyTexts(h.pool)) total += n;
  return total;
}

describe('SEARCH BODY', () => {
  it('before the indexer ran: answers each key as RFC 3501 6.4.4 asks, over the bytes, and stores the texts of what it loaded whole', async () => {
    expect(await stored()).toEqual([null, null, null, null, null]);
    await transcript(SEARCHES);
    expect(await stored()).toEqual(TEXTS);
  });

  it('the indexer stores the same texts: each text part decoded and folded, one per line, no attachment', async () => {
    await setStored([1, 2, 3, 4, 5], null);
    expect(await indexAll()).toBe(4);
    expect(await stored()).toEqual(TEXTS);
  });

  it('answers each key the same from the stored texts', async () => {
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
    await setStored([1], TEXTS[0]);
  });
});

describe('the search indexer', () => {
  it('skips a message another daemon is indexing, and takes it once that one is done', async () => {
    await setStored([1, 2, 3, 4, 5], null);
    const other = await h.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `SELECT b.id FROM mail_blobs b JOIN mail_messages m ON m.blob_id = b.id JOIN mail_folders f ON f.id = m.folder_id
          WHERE f.mailbox_id = $1 AND m.uid = 2 FOR NO KEY UPDATE OF b`,
        [mailboxId],
      );
      expect(await indexAll()).toBe(3);
      expect((await stored())[1]).toBeNull();
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
    expect(await indexAll()).toBe(1);
    expect(await stored()).toEqual(TEXTS);
  });
});
