// RFC 6855 UTF8=ACCEPT on the wire: ENABLE UTF8=ACCEPT, then mailbox names as UTF-8 both ways
// (never modified UTF-7, "&" is itself), UTF-8 quoted strings in SEARCH, APPEND's UTF8 (literal8)
// data, and mail with UTF-8 header fields (as SMTPUTF8 delivers it) served as stored to UTF-8
// and to legacy sessions alike. Real TLS against the real Postgres store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { matchLines, WireClient, type Expect } from '@/mail-daemon/testing/imap-wire';
import { encodeMailboxName } from './protocol/utf7';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A message as an SMTPUTF8 client sends it: UTF-8 in the header fields, no encoded-words. */
const GLOBAL = Buffer.from('From: Jürgen <jürgen@bücher.example>\r\nTo: rcpt@example.com\r\nSubject: Grüße aus Köln\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n', 'utf8');

async function user(deliver?: Buffer): Promise<string> {
  const address = `u8-${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  if (deliver) await h.deliver(mailboxId, deliver);
  return address;
}

async function login(address: string): Promise<WireClient> {
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN ${address} "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
  return c;
}

type Step = [send: string, expect: (Expect | '...')[]];

async function run(c: WireClient, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    const lines = await c.command(send);
    const err = matchLines(lines, want);
    if (err) throw new Error(`after ${JSON.stringify(send.slice(0, 200))}: ${err}`);
  }
}

const ENABLE: Step = ['E ENABLE UTF8=ACCEPT', ['* ENABLED UTF8=ACCEPT', 'E OK ENABLE completed']];

describe('RFC 6855 3: ENABLE UTF8=ACCEPT', () => {
  it('is advertised, enabled once, and does not turn CONDSTORE on', async () => {
    const c = await login(await user(GLOBAL));
    await run(c, [
      ['C CAPABILITY', [/^\* CAPABILITY .* UTF8=ACCEPT( |$)/, 'C OK CAPABILITY completed']],
      ENABLE,
      ['E2 ENABLE UTF8=ACCEPT', ['* ENABLED', 'E2 OK ENABLE completed']],
      ['S SELECT INBOX', ['...', /^S OK /]],
      ['F FETCH 1:* (FLAGS)', ['* 1 FETCH (FLAGS (\\Recent))', 'F OK FETCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 6855 3: mailbox names are UTF-8 once enabled', () => {
  it('CREATE, LIST, STATUS, SELECT and RENAME with UTF-8 names; a legacy session sees modified UTF-7', async () => {
    const address = await user();
    const c = await login(address);
    await run(c, [
      ENABLE,
      ['A CREATE "Entwürfe"', ['A OK CREATE completed']],
      ['B CREATE "Café & Bar"', ['B OK CREATE completed']],
      ['C LIST "" "*"', ['...', '* LIST (\\HasNoChildren) "/" "Café & Bar"', '...', '* LIST (\\HasNoChildren) "/" "Entwürfe"', '...', 'C OK LIST completed']],
      ['D STATUS "Entwürfe" (MESSAGES)', ['* STATUS "Entwürfe" (MESSAGES 0)', 'D OK STATUS completed']],
      ['R RENAME "Entwürfe" "Brouillons d’été"', ['R OK RENAME completed']],
      ['S SELECT "Brouillons d’été"', ['...', /^S OK \[READ-WRITE\] /]],
      ['Q GETQUOTAROOT "Café & Bar"', ['* QUOTAROOT "Café & Bar" ""', /^\* QUOTA /, 'Q OK GETQUOTAROOT completed']],
    ]);
    c.close();
    const legacy = await login(address);
    await run(legacy, [
      ['C LIST "" "*"', ['...', `* LIST (\\HasNoChildren) "/" "${encodeMailboxName('Brouillons d’été')}"`, '...', '* LIST (\\HasNoChildren) "/" "Caf&AOk- &- Bar"', '...', 'C OK LIST completed']],
      ['D STATUS "Caf&AOk- &- Bar" (MESSAGES)', [/^\* STATUS "?Caf&AOk- &- Bar"? \(MESSAGES 0\)$/, 'D OK STATUS completed']],
    ]);
    legacy.close();
  });

  it('"&" in a UTF-8 name is itself, not the start of modified BASE64', async () => {
    const c = await login(await user());
    await run(c, [
      ENABLE,
      ['A CREATE "R&D"', ['A OK CREATE completed']],
      ['B STATUS "R&D" (MESSAGES)', ['* STATUS "R&D" (MESSAGES 0)', 'B OK STATUS completed']],
      ['C CREATE "&AOk-"', ['C OK CREATE completed']],
      ['D LIST "" "&AOk-"', ['* LIST (\\HasNoChildren) "/" "&AOk-"', 'D OK LIST completed']],
    ]);
    c.close();
  });
});

describe('RFC 6855 3: SEARCH with UTF-8 strings', () => {
  it('SUBJECT, FROM and TEXT match UTF-8 header fields and body, without CHARSET', async () => {
    const c = await login(await user(GLOBAL));
    await run(c, [
      ENABLE,
      ['S SELECT INBOX', ['...', /^S OK /]],
      ['A SEARCH SUBJECT "Grüße"', ['* SEARCH 1', 'A OK SEARCH completed']],
      ['B SEARCH FROM "jürgen@bücher.example"', ['* SEARCH 1', 'B OK SEARCH completed']],
      ['C SEARCH SUBJECT "Köln" NOT SUBJECT "Kőln"', ['* SEARCH 1', 'C OK SEARCH completed']],
      ['D SEARCH CHARSET UTF-8 TEXT "Grüße"', ['* SEARCH 1', 'D OK SEARCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 6855 4: APPEND with the UTF8 data extension', () => {
  const literal8 = `~{${GLOBAL.length}+}\r\n${GLOBAL.toString('utf8')}`;

  it('UTF8 (literal8) is stored as sent; FETCH returns the UTF-8 header fields', async () => {
    const c = await login(await user());
    await run(c, [
      ENABLE,
      [`A APPEND INBOX (\\Seen) UTF8 (${literal8})`, [/^A OK \[APPENDUID \d+ 1\] APPEND completed$/]],
      ['S SELECT INBOX', ['...', /^S OK /]],
      ['F FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])', [`* 1 FETCH (RFC822.SIZE ${GLOBAL.length} BODY[HEADER.FIELDS (SUBJECT)] {30}\r\nSubject: Grüße aus Köln\r\n\r\n)`, 'F OK FETCH completed']],
    ]);
    c.close();
  });

  it('in CATENATE as a part', async () => {
    const c = await login(await user());
    const head = Buffer.from('Subject: Grüße\r\n\r\n', 'utf8');
    await run(c, [
      ENABLE,
      [`A APPEND INBOX CATENATE (UTF8 (~{${head.length}+}\r\n${head.toString('utf8')}) TEXT {7+}\r\nHallo\r\n)`, [/^A OK \[APPENDUID \d+ 1\] /]],
      ['S SELECT INBOX', ['...', /^S OK /]],
      ['F FETCH 1 (BODY.PEEK[])', [`* 1 FETCH (BODY[] {${head.length + 7}}\r\nSubject: Grüße\r\n\r\nHallo\r\n)`, 'F OK FETCH completed']],
    ]);
    c.close();
  });

  it.each([
    ['before ENABLE UTF8=ACCEPT', false, `A APPEND INBOX UTF8 (${literal8})`, /^A BAD \[CLIENTBUG\] UTF8 data needs ENABLE UTF8=ACCEPT$/],
    ['with a plain literal', true, `A APPEND INBOX UTF8 ({${GLOBAL.length}+}\r\n${GLOBAL.toString('utf8')})`, /^A BAD /],
  ])('UTF8 data %s is BAD', async (_what, enable, line, want) => {
    const c = await login(await user());
    if (enable) await run(c, [ENABLE]);
    await run(c, [[line, [want]], ['N STATUS INBOX (MESSAGES)', [/^\* STATUS "?INBOX"? \(MESSAGES 0\)$/, 'N OK STATUS completed']]]);
    c.close();
  });
});

describe('RFC 6855 5: mail with UTF-8 header fields and sessions that did not enable UTF8=ACCEPT', () => {
  it('is served as stored to both: the header octets in a literal, ENVELOPE the same', async () => {
    const address = await user(GLOBAL);
    for (const enable of [true, false]) {
      const c = await login(address);
      if (enable) await run(c, [ENABLE]);
      await run(c, [
        ['S EXAMINE INBOX', ['...', /^S OK /]],
        ['F FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM)])', [`* 1 FETCH (BODY[HEADER.FIELDS (FROM)] {${Buffer.byteLength('From: Jürgen <jürgen@bücher.example>\r\n\r\n')}}\r\nFrom: Jürgen <jürgen@bücher.example>\r\n\r\n)`, 'F OK FETCH completed']],
        ['G FETCH 1 (ENVELOPE)', [/^\* 1 FETCH \(ENVELOPE \(NIL \{17\}\r\nGrüße aus Köln \(\(\{7\}\r\nJürgen NIL \{7\}\r\njürgen \{15\}\r\nbücher\.example\)\)/, 'G OK FETCH completed']],
      ]);
      c.close();
    }
  });
});
