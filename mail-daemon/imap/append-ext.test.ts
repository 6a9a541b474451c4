// APPEND extensions on the wire: RFC 3502 MULTIAPPEND (several messages, all or none, APPENDUID
// with a UID set, quota for the total) and RFC 4469 CATENATE (TEXT and URL parts, [BADURL],
// [TOOBIG]). Transcripts from the RFCs' examples, over real TLS against the real Postgres store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { matchLines, WireClient, type Expect } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';
const APPEND_LIMIT = 4000;

beforeAll(async () => {
  h = await startImapHarness({ appendLimit: APPEND_LIMIT });
});
afterAll(async () => {
  await h?.close();
});

async function session(options: { quotaBytes?: number } = {}): Promise<{ c: WireClient; mailboxId: string }> {
  const address = `ap${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD, options);
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN ${address} "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
  return { c, mailboxId };
}

type Step = [send: string, expect: (Expect | '...')[]];

/** Sends each step (lines joined by CRLF, literals LITERAL+) and matches every line up to the tagged one. */
async function run(c: WireClient, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    const tag = send.split(' ')[0];
    const lines = await c.command(send);
    const err = matchLines(lines, want);
    if (err) throw new Error(`after ${JSON.stringify(send.slice(0, 200))} (${tag}): ${err}`);
  }
}

/** `* STATUS name (items)`, the name quoted or not (both are an astring). */
const statusLine = (name: string, items: string) => new RegExp(`^\\* STATUS "?${name}"? \\(${items}\\)$`);

/** `{n+}` CRLF text: a LITERAL+ literal of `text`. */
const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

const MSG1 = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example.COM>\r\nSubject: afternoon meeting\r\nTo: mooch@owatagu.example.net\r\nMessage-Id: <B27397-0100000@Blurdybloop.example.COM>\r\nMIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n';
const MSG2 = 'Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\nFrom: Joe Mooch <mooch@OWaTaGu.example.net>\r\nSubject: Re: afternoon meeting\r\nTo: foobar@blurdybloop.example.com\r\nMessage-Id: <a0434793874930@OWaTaGu.example.net>\r\nMIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n3:30 is fine with me.\r\n';

describe('RFC 3502 3: MULTIAPPEND', () => {
  it('the RFC example: two messages in one APPEND, APPENDUID with both UIDs (RFC 4315)', async () => {
    const { c } = await session();
    await run(c, [
      [`A003 APPEND saved-messages (\\Seen) ${lit(MSG1)} (\\Seen) ${lit(MSG2)}`, ['A003 NO [TRYCREATE] No such mailbox']],
      ['A004 CREATE saved-messages', ['A004 OK CREATE completed']],
      [`A005 APPEND saved-messages (\\Seen) ${lit(MSG1)} (\\Seen) ${lit(MSG2)}`, [/^A005 OK \[APPENDUID \d+ 1:2\] APPEND completed$/]],
      ['A006 SELECT saved-messages', ['...', /^\* 2 EXISTS$/, '...', /^A006 OK /]],
      ['A007 FETCH 1:2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])', [
        '* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (SUBJECT)] {30}\r\nSubject: afternoon meeting\r\n\r\n)',
        '* 2 FETCH (FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (SUBJECT)] {34}\r\nSubject: Re: afternoon meeting\r\n\r\n)',
        'A007 OK FETCH completed',
      ]],
    ]);
    c.close();
  });

  it('each message keeps its own flags and date; UIDs follow in order', async () => {
    const { c } = await session();
    await run(c, [
      [`B1 APPEND Drafts ${lit(MSG1)} (\\Draft) "01-Jan-2026 10:00:00 +0000" ${lit(MSG2)} () ${lit(MSG1)}`, [/^B1 OK \[APPENDUID \d+ 1:3\] /]],
      ['B2 EXAMINE Drafts', ['...', /^B2 OK /]],
      ['B3 FETCH 1:3 (UID FLAGS INTERNALDATE)', [
        /^\* 1 FETCH \(UID 1 FLAGS \(\\Recent\) INTERNALDATE /,
        /^\* 2 FETCH \(UID 2 FLAGS \(\\Draft \\Recent\) INTERNALDATE "( 1|01)-Jan-2026 10:00:00 \+0000"\)$/,
        /^\* 3 FETCH \(UID 3 FLAGS \(\\Recent\) /,
        'B3 OK FETCH completed',
      ]],
    ]);
    c.close();
  });

  it('all or none: a bad message (empty, over the limit, bad flag) stores none of them', async () => {
    const { c } = await session();
    const big = 'Subject: big\r\n\r\n' + 'x'.repeat(APPEND_LIMIT);
    await run(c, [
      [`C1 APPEND INBOX ${lit(MSG1)} ${lit('')}`, ['C1 NO [CANNOT] Empty message']],
      [`C2 APPEND INBOX ${lit(MSG1)} (\\Bogus) ${lit(MSG2)}`, ['C2 BAD Invalid flag in APPEND']],
      [`C3 APPEND INBOX ${lit(MSG1)} {${Buffer.byteLength(big)}}`, [/^C3 NO \[TOOBIG\] /]],
      ['C4 STATUS INBOX (MESSAGES UIDNEXT)', [statusLine('INBOX', 'MESSAGES 0 UIDNEXT 1'), 'C4 OK STATUS completed']],
    ]);
    c.close();
  });

  it('quota is checked for the total: two messages that fit one by one but not together store none', async () => {
    const size = Buffer.byteLength(MSG1);
    const { c } = await session({ quotaBytes: size + 10 });
    await run(c, [
      [`D1 APPEND INBOX ${lit(MSG1)} ${lit(MSG1)}`, [/^D1 NO \[OVERQUOTA\] /]],
      ['D2 STATUS INBOX (MESSAGES)', [statusLine('INBOX', 'MESSAGES 0'), 'D2 OK STATUS completed']],
      [`D3 APPEND INBOX ${lit(MSG1)}`, [/^D3 OK \[APPENDUID \d+ 1\] /]],
    ]);
    c.close();
  });

  it('limits: at most 1000 messages, and at most 16 times APPENDLIMIT in one APPEND; nothing stored', async () => {
    const { c } = await session();
    const tiny = lit('Subject: x\r\n\r\nx\r\n');
    const near = lit(`Subject: near\r\n\r\n${'y'.repeat(APPEND_LIMIT - 100)}`);
    await run(c, [
      [`F1 APPEND INBOX ${Array.from({ length: 1001 }, () => tiny).join(' ')}`, ['F1 BAD [CLIENTBUG] APPEND: Too many messages in one APPEND']],
      [`F2 APPEND INBOX ${Array.from({ length: 17 }, () => near).join(' ')}`, ['F2 NO [TOOBIG] One APPEND may carry at most 16 times the message limit']],
      [`F3 APPEND INBOX ${Array.from({ length: 16 }, () => near).join(' ')}`, [/^F3 OK \[APPENDUID \d+ 1:16\] /]],
    ]);
    c.close();
  });

  it('a client that sees a NO after its first synchronizing literal sends no more (the command ends)', async () => {
    const { c } = await session();
    c.write(`E1 APPEND INBOX ${lit(MSG1)} {99999}\r\n`);
    expect(await c.until('E1')).toEqual([expect.stringMatching(/^E1 NO \[TOOBIG\] /)]);
    await run(c, [['E2 STATUS INBOX (MESSAGES)', [statusLine('INBOX', 'MESSAGES 0'), 'E2 OK STATUS completed']]]);
    c.close();
  });
});

describe('RFC 4469 5: CATENATE', () => {
  /** A user with MSG1 in Drafts (UID 1), and the folder's UIDVALIDITY. */
  async function withDraft(): Promise<{ c: WireClient; uidValidity: string }> {
    const { c } = await session();
    const res = await c.command(`P APPEND Drafts ${lit(MSG1)}`);
    const uidValidity = /APPENDUID (\d+) 1/.exec(res.at(-1)!)![1];
    return { c, uidValidity };
  }

  it('the RFC example: a new header as TEXT, the old body by URL', async () => {
    const { c, uidValidity } = await withDraft();
    const header = 'Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\nFrom: Joe Mooch <mooch@OWaTaGu.example.net>\r\nSubject: Re: afternoon meeting\r\nTo: foobar@blurdybloop.example.com\r\nMIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n';
    await run(c, [
      [`A003 APPEND Drafts CATENATE (TEXT ${lit(header)} URL "/Drafts;UIDVALIDITY=${uidValidity}/;UID=1/;SECTION=TEXT")`, [`A003 OK [APPENDUID ${uidValidity} 2] APPEND completed`]],
      ['A004 EXAMINE Drafts', ['...', /^A004 OK /]],
      ['A005 FETCH 2 (BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)])', [
        '* 2 FETCH (BODY[TEXT] {55}\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n BODY[HEADER.FIELDS (SUBJECT)] {34}\r\nSubject: Re: afternoon meeting\r\n\r\n)',
        'A005 OK FETCH completed',
      ]],
      [`A006 FETCH 2 (RFC822.SIZE)`, [`* 2 FETCH (RFC822.SIZE ${Buffer.byteLength(header) + 55})`, 'A006 OK FETCH completed']],
    ]);
    c.close();
  });

  it('URL parts: the whole message, a part, HEADER, <partial>, without UIDVALIDITY, INBOX in any case', async () => {
    const { c, uidValidity } = await withDraft();
    await run(c, [
      [`B1 APPEND INBOX CATENATE (URL "/Drafts;UIDVALIDITY=${uidValidity}/;UID=1")`, [/^B1 OK \[APPENDUID \d+ 1\] /]],
      [`B2 APPEND INBOX CATENATE (URL "/Drafts/;UID=1/;SECTION=HEADER" URL "/Drafts/;UID=1/;SECTION=1/;PARTIAL=0.9" TEXT ${lit('!\r\n')})`, [/^B2 OK \[APPENDUID \d+ 2\] /]],
      [`B3 APPEND Drafts CATENATE (URL "/inbox/;UID=2/;SECTION=HEADER.FIELDS%20(SUBJECT)" TEXT ${lit('body\r\n')})`, [/^B3 OK \[APPENDUID \d+ 2\] /]],
      ['B4 EXAMINE INBOX', ['...', /^B4 OK /]],
      ['B5 FETCH 1:2 (RFC822.SIZE BODY.PEEK[TEXT])', [
        `* 1 FETCH (RFC822.SIZE ${Buffer.byteLength(MSG1)} BODY[TEXT] {55}\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n)`,
        `* 2 FETCH (RFC822.SIZE ${Buffer.byteLength(MSG1) - 55 + 'Hello Joe!\r\n'.length} BODY[TEXT] {12}\r\nHello Joe!\r\n)`,
        'B5 OK FETCH completed',
      ]],
      ['B6 EXAMINE Drafts', ['...', /^B6 OK /]],
      ['B7 FETCH 2 (BODY.PEEK[])', ['* 2 FETCH (BODY[] {36}\r\nSubject: afternoon meeting\r\n\r\nbody\r\n)', 'B7 OK FETCH completed']],
    ]);
    c.close();
  });

  it.each([
    ['a UID that does not exist', (v: string) => `/Drafts;UIDVALIDITY=${v}/;UID=9`],
    ['a UIDVALIDITY that is not the folder\'s', (v: string) => `/Drafts;UIDVALIDITY=${Number(v) + 1}/;UID=1`],
    ['a folder that does not exist', () => '/Nope/;UID=1'],
    ['a section that does not exist', () => '/Drafts/;UID=1/;SECTION=4'],
    ['another server (an absolute URL)', (v: string) => `imap://fred@example.com/Drafts;UIDVALIDITY=${v}/;UID=1`],
    ['no UID', () => '/Drafts'],
  ])('[BADURL] for %s; nothing stored', async (_what, url) => {
    const { c, uidValidity } = await withDraft();
    const u = url(uidValidity);
    await run(c, [
      [`C1 APPEND Drafts CATENATE (TEXT ${lit('Subject: x\r\n\r\n')} URL "${u}")`, [`C1 NO [BADURL ${u}] The URL does not name a message section of this user`]],
      ['C2 STATUS Drafts (MESSAGES)', [statusLine('Drafts', 'MESSAGES 1'), 'C2 OK STATUS completed']],
    ]);
    c.close();
  });

  it('[TOOBIG] when the parts together pass the limit, each within it', async () => {
    const { c, uidValidity } = await withDraft();
    const url = `URL "/Drafts;UIDVALIDITY=${uidValidity}/;UID=1"`;
    const parts = Array.from({ length: Math.ceil(APPEND_LIMIT / Buffer.byteLength(MSG1)) + 1 }, () => url).join(' ');
    await run(c, [
      [`D1 APPEND Drafts CATENATE (${parts})`, [/^D1 NO \[TOOBIG\] /]],
      ['D2 STATUS Drafts (MESSAGES)', [statusLine('Drafts', 'MESSAGES 1'), 'D2 OK STATUS completed']],
    ]);
    c.close();
  });

  it('MULTIAPPEND with CATENATE: a literal and a catenated message in one command', async () => {
    const { c, uidValidity } = await withDraft();
    await run(c, [
      [`E1 APPEND Drafts (\\Seen) ${lit(MSG2)} CATENATE (URL "/Drafts;UIDVALIDITY=${uidValidity}/;UID=1/;SECTION=HEADER" TEXT ${lit('second\r\n')})`, [`E1 OK [APPENDUID ${uidValidity} 2:3] APPEND completed`]],
      ['E2 STATUS Drafts (MESSAGES)', [statusLine('Drafts', 'MESSAGES 3'), 'E2 OK STATUS completed']],
    ]);
    c.close();
  });

  it.each([
    ['an empty part list', 'F1 APPEND Drafts CATENATE ()'],
    ['an unknown part kind', 'F1 APPEND Drafts CATENATE (BODY "x")'],
    ['a URL that is no string', 'F1 APPEND Drafts CATENATE (URL (x))'],
  ])('BAD for %s', async (_what, line) => {
    const { c } = await session();
    await run(c, [[line, [/^F1 BAD /]]]);
    c.close();
  });
});
