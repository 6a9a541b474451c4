// SEARCH's header keys over the match texts stored at delivery/APPEND (mail_blobs.search_headers,
// search_addresses; ./search-text.ts): stored by both ways in, used by SEARCH (the stored header
// bytes are not read for them), and the same answers for messages stored before the columns,
// whose texts SEARCH then fills in. Over TLS against the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { searchTranscript } from '@/mail-daemon/testing/imap-transcript';

let h: ImapHarness;
let c: WireClient;
let mailboxId: string;
const PASSWORD = 'correct horse battery';

const DELIVERED = [
  'From: =?UTF-8?Q?=C3=89mile_Zola?= <emile@example.org>\r\nTo: Ann <ann@example.org>, bob@example.org\r\nSubject: =?UTF-8?B?UmFwcG9ydCBkZSBow6lsbG8=?=\r\nX-Tracker: 50%_off\r\n\r\nbody one\r\n',
  'From: "Smith, Jo" <jo@example.org>\r\nTo: team: dee@example.org;\r\nCc: Carl <carl@example.org>\r\nSubject: 100% done_now\r\n\r\nbody two\r\n',
  'From: zed@example.org\r\nTo: amy@example.org\r\nSubject: Quarterly\r\n  report\r\nMessage-ID: <q4@example.org>\r\n\r\nbody three\r\n',
];
const APPENDED = 'From: Dora <dora@example.net>\r\nTo: ann@example.org\r\nBcc: secret@example.net\r\nSubject: Appended =?ISO-8859-1?Q?caf=E9?=\r\n\r\nbody four\r\n';

/** Each SEARCH with the answer it must get, whichever way the texts are read. */
const SEARCHES: [string, string][] = [
  ['SUBJECT "rapport de HÉLLO"', '* SEARCH 1'],
  ['SUBJECT "report"', '* SEARCH 3'],
  ['SUBJECT "quarterly report"', '* SEARCH 3'],
  ['SUBJECT "100% done_"', '* SEARCH 2'],
  ['SUBJECT "0_"', '* SEARCH'],
  ['SUBJECT "%"', '* SEARCH 2'],
  ['SUBJECT "café"', '* SEARCH 4'],
  ['FROM "émile zola <emile@"', '* SEARCH 1'],
  ['FROM "\\"smith, jo\\" <jo@example.org>"', '* SEARCH 2'],
  // HEADER matches the field's decoded text, not its encoded-words.
  ['HEADER FROM "=?UTF-8?Q?"', '* SEARCH'],
  ['HEADER FROM "émile"', '* SEARCH 1'],
  ['TO "ann@example.org"', '* SEARCH 1 4'],
  ['TO "team"', '* SEARCH'],
  ['HEADER TO "team"', '* SEARCH 2'],
  ['CC "carl"', '* SEARCH 2'],
  ['BCC "secret"', '* SEARCH 4'],
  ['HEADER MESSAGE-ID "q4@"', '* SEARCH 3'],
  ['HEADER SUBJECT ""', '* SEARCH 1 2 3 4'],
  ['HEADER CC ""', '* SEARCH 2'],
  ['NOT SUBJECT "report"', '* SEARCH 1 2 4'],
  ['OR FROM "zed" BCC "secret"', '* SEARCH 3 4'],
  ['NOT OR TO "ann" CC "carl"', '* SEARCH 3'],
  ['FLAGGED SUBJECT "report"', '* SEARCH'],
  ['UNFLAGGED TO "example.org"', '* SEARCH 1 2 3 4'],
  // A field whose text is not stored: read from the header, as ever.
  ['HEADER X-TRACKER "50%_"', '* SEARCH 1'],
  ['SUBJECT "café" HEADER X-TRACKER "off"', '* SEARCH'],
];

const transcript = (rows: [string, string][]) => searchTranscript(c, rows);

async function stored(): Promise<{ headers: string[] | null; addresses: string[] | null }[]> {
  const r = await h.pool.query<{ headers: string[] | null; addresses: string[] | null }>(
    `SELECT b.search_headers AS headers, b.search_addresses AS addresses
       FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id JOIN mail_blobs b ON b.id = m.blob_id
      WHERE f.mailbox_id = $1 ORDER BY m.uid`,
    [mailboxId],
  );
  return r.rows;
}

beforeAll(async () => {
  h = await startImapHarness();
  mailboxId = await h.addUser('search@example.com', PASSWORD);
  for (const m of DELIVERED) await h.deliver(mailboxId, Buffer.from(m));
  c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN search@example.com "${PASSWORD}"`)).pop()).toMatch(/^L OK/);
  c.write(`A APPEND INBOX {${Buffer.byteLength(APPENDED)}+}\r\n${APPENDED}\r\n`);
  expect((await c.until('A')).pop()).toMatch(/^A OK/);
  expect((await c.command('S SELECT INBOX')).pop()).toMatch(/^S OK/);
});
afterAll(async () => {
  c?.close();
  await h?.close();
});

describe('match texts stored at delivery and APPEND', () => {
  it('hold each searched field decoded and folded, and the address fields in Name <addr> form', async () => {
    const rows = await stored();
    expect(rows[0]).toEqual({
      headers: ['from:émile zola <emile@example.org>', 'to:ann <ann@example.org>, bob@example.org', 'subject:rapport de héllo'],
      addresses: ['from:émile zola <emile@example.org>', 'to:ann <ann@example.org>, bob@example.org'],
    });
    expect(rows[2].headers).toEqual(['from:zed@example.org', 'to:amy@example.org', 'subject:quarterly report', 'message-id:<q4@example.org>']);
    // APPEND stores them too; Bcc among the address fields.
    expect(rows[3]).toEqual({
      headers: ['from:dora <dora@example.net>', 'to:ann@example.org', 'bcc:secret@example.net', 'subject:appended café'],
      addresses: ['from:dora <dora@example.net>', 'to:ann@example.org', 'bcc:secret@example.net'],
    });
  });
});

describe('SEARCH on header keys', () => {
  it('answers each key as RFC 3501 6.4.4 asks', async () => {
    await transcript(SEARCHES);
  });

  it('matches stored fields from the stored texts, not the header bytes', async () => {
    // The header bytes of message 3 say something else now; its stored texts still answer.
    await h.pool.query(
      `UPDATE mail_blobs b SET raw = overlay(b.raw PLACING convert_to('Subject: Xuarterly', 'UTF8') FROM position(convert_to('Subject: Quarterly', 'UTF8') IN b.raw))
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
        WHERE m.blob_id = b.id AND f.mailbox_id = $1 AND m.uid = 3`,
      [mailboxId],
    );
    await transcript([
      ['SUBJECT "quarterly"', '* SEARCH 3'],
      ['SUBJECT "xuarterly"', '* SEARCH'],
      // HEADER of a field that is not stored, and TEXT, read the bytes.
      ['TEXT "xuarterly"', '* SEARCH 3'],
    ]);
    await h.pool.query(
      `UPDATE mail_blobs b SET raw = overlay(b.raw PLACING convert_to('Subject: Quarterly', 'UTF8') FROM position(convert_to('Subject: Xuarterly', 'UTF8') IN b.raw))
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
        WHERE m.blob_id = b.id AND f.mailbox_id = $1 AND m.uid = 3`,
      [mailboxId],
    );
  });

  it('gives the same answers for messages stored before the texts, and fills them in', async () => {
    const before = await stored();
    // Two of the four as stored before the columns existed: a folder of both kinds.
    await h.pool.query(
      `UPDATE mail_blobs b SET search_headers = NULL, search_addresses = NULL
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
        WHERE m.blob_id = b.id AND f.mailbox_id = $1 AND m.uid IN (1, 4)`,
      [mailboxId],
    );
    await transcript(SEARCHES);
    // The first header SEARCH read their headers and stored their texts, the same as at delivery.
    expect(await stored()).toEqual(before);
    await h.pool.query(
      `UPDATE mail_blobs b SET search_headers = NULL, search_addresses = NULL
         FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id
        WHERE m.blob_id = b.id AND f.mailbox_id = $1`,
      [mailboxId],
    );
    await transcript(SEARCHES);
    expect(await stored()).toEqual(before);
  });
});
