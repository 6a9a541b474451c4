// Over 300 lines: one table of transcripts per RFC section, shared harness and client setup.
// Transcript tests: client lines → expected server lines, over real TLS sockets,
// against the real Postgres store. Grouped by RFC section.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { COMMANDS } from './commands';
import { DEFAULT_LIMITS } from './server';
import { ALL_STATES, type State } from './session';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { matchLines, WireClient, type Expect } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let counter = 0;

beforeAll(async () => {
  h = await startImapHarness({ cleartext: true, limits: { maxLine: 2000, maxLiteral: 1000, maxConnectionsPerIp: 40 } });
});
afterAll(async () => {
  await h?.close();
});

const PASSWORD = 'correct horse battery';

/** A fresh user with `n` messages in INBOX; returns its address. */
async function user(n = 0): Promise<{ address: string; mailboxId: string }> {
  const address = `u${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  for (let i = 1; i <= n; i++) {
    await h.deliver(mailboxId, testMessage(`Message ${i}`, `Body of message ${i}.\r\nSecond line.\r\n`), new Date(Date.UTC(2026, 0, i, 12, 0, 0)));
  }
  return { address, mailboxId };
}

async function loggedIn(n = 0): Promise<{ c: WireClient; address: string; mailboxId: string }> {
  const u = await user(n);
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  const res = await c.command(`L LOGIN ${u.address} "${PASSWORD}"`);
  expect(res[res.length - 1]).toMatch(/^L OK/);
  return { c, ...u };
}

type Step = [send: string, expect: (Expect | '...')[]];

/** Sends each line and reads until the step's last expected line, then matches them all. */
async function run(c: WireClient, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    c.write(send + '\r\n');
    const last = want[want.length - 1];
    const lines: string[] = [];
    await readUntil(c, last, lines).catch((err) => {
      throw new Error(`after ${JSON.stringify(send.slice(0, 200))}: ${err.message}`);
    });
    const err = matchLines(lines, want);
    if (err) throw new Error(`after ${JSON.stringify(send.slice(0, 200))}: ${err}`);
  }
}

async function readUntil(c: WireClient, last: Expect | '...', lines: string[]): Promise<void> {
  for (;;) {
    let l: string;
    try {
      l = await c.line();
    } catch (err) {
      throw new Error(`${(err as Error).message}; got so far:\n${lines.join('\n')}`);
    }
    lines.push(l);
    if (typeof last === 'string' ? l === last : last instanceof RegExp ? last.test(l) : false) return;
    if (lines.length > 500) return;
  }
}

describe('RFC 3501 6.1 any state, 6.2 not authenticated', () => {
  it('greets with capabilities, refuses bad passwords generically, logs in', async () => {
    const u = await user();
    const c = await WireClient.connect(h.port, { tls: true });
    expect(await c.line()).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] .*ready$/);
    await run(c, [
      ['a1 CAPABILITY', [/^\* CAPABILITY IMAP4rev1 .*IDLE.*AUTH=PLAIN$/, 'a1 OK CAPABILITY completed']],
      ['a2 NOOP', ['a2 OK NOOP completed']],
      [`a3 LOGIN ${u.address} wrong`, ['a3 NO [AUTHENTICATIONFAILED] Authentication failed']],
      [`a4 LOGIN nobody@example.com wrong`, ['a4 NO [AUTHENTICATIONFAILED] Authentication failed']],
      [`a5 LOGIN ${u.address} "${PASSWORD}"`, [/^a5 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/]],
      ['a6 LOGIN x y', ['a6 BAD [CLIENTBUG] Already authenticated: LOGIN is not allowed in this state']],
      ['a7 ID ("name" "test")', [/^\* ID \("name" "Postern" "version" ".*"\)$/, 'a7 OK ID completed']],
      ['a8 LOGOUT', ['* BYE Logging out', 'a8 OK LOGOUT completed']],
    ]);
    c.close();
  });

  it('AUTHENTICATE PLAIN with SASL-IR, with a continuation, cancelled, and for another user', async () => {
    const u = await user();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const c = await WireClient.connect(h.port, { tls: true });
    await c.line();
    await run(c, [
      ['p1 AUTHENTICATE PLAIN', ['+ ']],
      ['*', ['p1 BAD Authentication cancelled']],
      [`p2 AUTHENTICATE PLAIN ${b64(`other@example.com\0${u.address}\0${PASSWORD}`)}`, ['p2 NO [AUTHORIZATIONFAILED] Cannot act as another user']],
      ['p3 AUTHENTICATE CRAM-MD5', ['p3 NO [CANNOT] Unsupported authentication mechanism']],
      ['p4 AUTHENTICATE PLAIN', ['+ ']],
      [b64(`\0${u.address}\0${PASSWORD}`), [/^p4 OK \[CAPABILITY .*\] Logged in$/]],
    ]);
    c.close();
    const d = await WireClient.connect(h.port, { tls: true });
    await d.line();
    await run(d, [[`q1 AUTHENTICATE PLAIN ${b64(`${u.address}\0${u.address}\0${PASSWORD}`)}`, [/^q1 OK \[CAPABILITY .*\] Logged in$/]]]);
    d.close();
  });

  it('LOGIN accepts literals (synchronizing and LITERAL+)', async () => {
    const u = await user();
    const c = await WireClient.connect(h.port, { tls: true });
    await c.line();
    await run(c, [
      [`l1 LOGIN {${u.address.length}}`, ['+ Ready for literal data']],
      [`${u.address} {${PASSWORD.length}+}\r\n${PASSWORD}`, [/^l1 OK \[CAPABILITY/]],
    ]);
    c.close();
  });

  it('STARTTLS drops commands pipelined behind it in cleartext (no injection)', async () => {
    const c = await WireClient.connect(h.plainPort!, { tls: false });
    await c.line();
    c.write('s1 STARTTLS\r\ninjected NOOP\r\n');
    expect(await c.line()).toBe('s1 OK Begin TLS negotiation now');
    await c.startTls();
    await run(c, [['s2 NOOP', ['s2 OK NOOP completed']]]);
    c.close();
  });

  it('cleartext port: LOGINDISABLED until STARTTLS, then AUTH=PLAIN', async () => {
    const u = await user();
    const c = await WireClient.connect(h.plainPort!, { tls: false });
    expect(await c.line()).toMatch(/STARTTLS LOGINDISABLED\]/);
    await run(c, [
      [`s1 LOGIN ${u.address} "${PASSWORD}"`, ['s1 NO [PRIVACYREQUIRED] Use TLS first (STARTTLS or port 993)']],
      [`s2 AUTHENTICATE PLAIN ${Buffer.from(`\0${u.address}\0${PASSWORD}`).toString('base64')}`, ['s2 NO [PRIVACYREQUIRED] Use TLS first (STARTTLS or port 993)']],
      ['s3 STARTTLS', ['s3 OK Begin TLS negotiation now']],
    ]);
    await c.startTls();
    await run(c, [
      ['s4 CAPABILITY', [/^\* CAPABILITY .*AUTH=PLAIN$/, 's4 OK CAPABILITY completed']],
      ['s5 STARTTLS', ['s5 BAD TLS is already active or not available']],
      [`s6 LOGIN ${u.address} "${PASSWORD}"`, [/^s6 OK/]],
    ]);
    c.close();
  });
});

describe('policy allowCleartextAuth', () => {
  it('when an administrator allows it, LOGIN works on the cleartext port without STARTTLS', async () => {
    const own = await startImapHarness({ cleartext: true, allowCleartextAuth: true });
    try {
      await own.addUser('plain@example.com', PASSWORD);
      const c = await WireClient.connect(own.plainPort!, { tls: false });
      const greeting = await c.line();
      expect(greeting).toMatch(/STARTTLS AUTH=PLAIN\]/);
      expect(greeting).not.toMatch(/LOGINDISABLED/);
      const res = await c.command(`a LOGIN plain@example.com "${PASSWORD}"`);
      expect(res[res.length - 1]).toMatch(/^a OK/);
      c.close();
    } finally {
      await own.close();
    }
  });
});

describe('RFC 3501 3: every command in every wrong state is refused with BAD', () => {
  const stateSetups: Record<Exclude<State, 'logout'>, () => Promise<WireClient>> = {
    'not-authenticated': async () => {
      const c = await WireClient.connect(h.port, { tls: true });
      await c.line();
      return c;
    },
    authenticated: async () => (await loggedIn()).c,
    selected: async () => {
      const { c } = await loggedIn();
      await c.command('S SELECT INBOX');
      return c;
    },
  };
  for (const state of ALL_STATES.filter((s) => s !== 'logout') as Exclude<State, 'logout'>[]) {
    it(`in ${state}`, async () => {
      const c = await stateSetups[state]();
      const wrong = Object.entries(COMMANDS).filter(([, spec]) => !spec.states.includes(state));
      expect(wrong.length).toBeGreaterThan(0);
      for (const [name] of wrong) {
        const res = await c.command(`w ${name}`);
        expect(res).toEqual([expect.stringMatching(new RegExp(`^w BAD \\[CLIENTBUG\\] .*: ${name} is not allowed in this state$`))]);
      }
      c.close();
    });
  }
});

describe('syntax, limits and bad input (RFC 3501 7.1, RFC 7888, RFC 7889)', () => {
  it('answers BAD with the tag for junk, unknown commands and bad arguments', async () => {
    const { c } = await loggedIn(1);
    await run(c, [
      ['x1 FROBNICATE', ['x1 BAD [CLIENTBUG] Unknown command']],
      ['x2 SELECT', ['x2 BAD [CLIENTBUG] SELECT: Expected a space']],
      ['x3 SELECT "unterminated', ['x3 BAD [CLIENTBUG] SELECT: Unterminated quoted string']],
      ['(((', ['* BAD Missing or invalid command']],
      ['x4 SELECT INBOX', ['...', 'x4 OK [READ-WRITE] SELECT completed']],
      ['x5 FETCH 0 FLAGS', ['x5 BAD [CLIENTBUG] FETCH: Bad sequence set']],
      ['x6 FETCH 1 (FLAGS', ['x6 BAD [CLIENTBUG] FETCH: Expected a space']],
      ['x6b FETCH 2 FLAGS', ['x6b BAD [CLIENTBUG] FETCH: Invalid message sequence number']],
      ['x6c STORE 1:5 +FLAGS (\\Seen)', ['x6c BAD [CLIENTBUG] STORE: Invalid message sequence number']],
      ['x6d UID FETCH 5:9 FLAGS', ['x6d OK UID FETCH completed']],
      ['x7 SEARCH CHARSET KOI8-R ALL', ['x7 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset']],
      ['x8 STORE 1 +FLAGS (\\Bogus)', ['x8 BAD Invalid flag']],
      ['x9 NOOP extra', ['x9 BAD [CLIENTBUG] NOOP: Unexpected extra arguments']],
    ]);
    c.close();
  });

  it('line too long, literal too large, APPEND over APPENDLIMIT: tagged, and the session goes on', async () => {
    const { c } = await loggedIn();
    const limit = h.store.limits.appendLimit;
    await run(c, [
      [`t1 NOOP ${'x'.repeat(3000)}`, ['t1 BAD [TOOBIG] Command line too long']],
      ['t2 LOGOUT {5000}', ['t2 BAD [TOOBIG] Literal too large']],
      [`t3 APPEND INBOX {${limit + 1}}`, [`t3 NO [TOOBIG] Message larger than the limit of ${limit} bytes`]],
      ['t4 NOOP', ['t4 OK NOOP completed']],
    ]);
    const fresh = await WireClient.connect(h.port, { tls: true });
    await fresh.line();
    await run(fresh, [
      ['p1 AUTHENTICATE PLAIN', ['+ ']],
      ['A'.repeat(3000), ['p1 BAD Invalid SASL PLAIN response']],
      ['p2 NOOP', ['p2 OK NOOP completed']],
    ]);
    fresh.close();
    // LITERAL+ over the limit: the bytes are read and dropped, the answer keeps the tag.
    c.write(`t5 SEARCH TEXT {1500+}\r\n${'y'.repeat(1500)}\r\n`);
    expect(await c.until('t5')).toEqual(['t5 BAD [TOOBIG] Literal too large']);
    await run(c, [['t6 NOOP', ['t6 OK NOOP completed']]]);
    c.close();
  });

  it('APPEND of a large message (spooled, streamed to the store) round-trips byte for byte', async () => {
    const { c } = await loggedIn();
    const line = 'All work and no play makes Jack a dull boy. 0123456789 abcdefghijklmnopqrstuvwxyz\r\n';
    const big = testMessage('Big', line.repeat(Math.ceil((3 * 1024 * 1024) / line.length))).toString();
    c.write(`b1 APPEND INBOX {${big.length}+}\r\n`);
    for (let i = 0; i < big.length; i += 65536) c.write(big.slice(i, i + 65536));
    c.write('\r\n');
    expect(await c.until('b1', 30_000)).toEqual([expect.stringMatching(/^b1 OK \[APPENDUID \d+ 1\] APPEND completed$/)]);
    await c.command('s SELECT INBOX');
    const fetched = await c.command('b2 FETCH 1 (RFC822.SIZE BODY.PEEK[])', 30_000);
    expect(fetched[0]).toBe(`* 1 FETCH (RFC822.SIZE ${big.length} BODY[] {${big.length}}\r\n${big})`);
    c.close();
  });

  it('limits connections per user', async () => {
    const own = await startImapHarness({ limits: { maxConnectionsPerUser: 2 } });
    try {
      const address = 'limited@example.com';
      await own.addUser(address, PASSWORD);
      const clients: WireClient[] = [];
      const results: string[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await WireClient.connect(own.port, { tls: true });
        await c.line();
        clients.push(c);
        const res = await c.command(`u LOGIN ${address} "${PASSWORD}"`);
        results.push(res[res.length - 1].replace(/\[CAPABILITY [^\]]*\] /, ''));
      }
      expect(results).toEqual(['u OK Logged in', 'u OK Logged in', 'u NO [LIMIT] Too many connections for this user']);
      await clients[0].command('z LOGOUT');
      await clients[0].closedLines();
      // The server frees the slot when it sees the close; a retry covers that moment.
      let last = '';
      for (let i = 0; i < 5 && !last.startsWith('v OK'); i++) {
        const res = await clients[2].command(`v LOGIN ${address} "${PASSWORD}"`);
        last = res[res.length - 1];
      }
      expect(last).toMatch(/^v OK/);
      for (const c of clients) c.close();
    } finally {
      await own.close();
    }
  });

  it('logs out idle connections: before login quickly, after login (and in IDLE) later', async () => {
    const own = await startImapHarness({ limits: { preauthTimeoutMs: 300, idleTimeoutMs: 900 } });
    try {
      await own.addUser('sleepy@example.com', PASSWORD);
      const a = await WireClient.connect(own.port, { tls: true });
      await a.line();
      const started = Date.now();
      expect(await a.closedLines()).toEqual(['* BYE Autologout; idle for too long']);
      expect(Date.now() - started).toBeLessThan(5000);
      const b = await WireClient.connect(own.port, { tls: true });
      await b.line();
      await b.command(`l LOGIN sleepy@example.com "${PASSWORD}"`);
      await b.command('s SELECT INBOX');
      await run(b, [['i IDLE', ['+ idling']]]);
      expect(DEFAULT_LIMITS.idleTimeoutMs).toBeGreaterThanOrEqual(30 * 60_000);
      const idleStart = Date.now();
      expect(await b.closedLines()).toEqual(['* BYE Autologout; idle for too long']);
      expect(Date.now() - idleStart).toBeGreaterThanOrEqual(800);
    } finally {
      await own.close();
    }
  });

  it('limits connections per IP', async () => {
    const clients: WireClient[] = [];
    for (let i = 0; i < 45; i++) clients.push(await WireClient.connect(h.port, { tls: true }));
    const firsts = await Promise.all(clients.map((c) => c.line().catch(() => 'closed')));
    const refused = firsts.filter((l) => l.startsWith('* BYE [UNAVAILABLE]'));
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const c of clients) c.close();
  });
});

describe('RFC 3501 6.3 authenticated state: folders', () => {
  it('LIST, special-use, CREATE, RENAME, DELETE, SUBSCRIBE, LSUB, STATUS, modified UTF-7', async () => {
    const { c } = await loggedIn(2);
    await run(c, [
      ['f1 LIST "" ""', ['* LIST (\\Noselect) "/" ""', 'f1 OK LIST completed']],
      ['f2 LIST "" "*"', [
        '* LIST (\\HasNoChildren) "/" "INBOX"',
        '...',
        /^\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent"$/,
        '...',
        'f2 OK LIST completed',
      ]],
      ['f3 CREATE "Projekte/Entw&APw-rfe"', ['f3 OK CREATE completed']],
      ['f4 LIST "" "Projekte/%"', ['* LIST (\\HasNoChildren) "/" "Projekte/Entw&APw-rfe"', 'f4 OK LIST completed']],
      ['f5 LIST "" "%"', ['...', /^\* LIST \(\\HasChildren\) "\/" "Projekte"$|^\* LIST \(\\Noselect \\HasChildren\) "\/" "Projekte"$/, '...', 'f5 OK LIST completed']],
      ['f6 CREATE INBOX', ['f6 NO [ALREADYEXISTS] INBOX always exists']],
      ['f7 CREATE "Projekte/Entw&APw-rfe"', ['f7 NO [ALREADYEXISTS] Mailbox already exists']],
      ['f8 RENAME "Projekte/Entw&APw-rfe" "Archiv 2024"', ['f8 OK RENAME completed']],
      ['f9 STATUS "Archiv 2024" (MESSAGES UIDNEXT UNSEEN)', ['* STATUS "Archiv 2024" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)', 'f9 OK STATUS completed']],
      ['f10 STATUS INBOX (MESSAGES RECENT UNSEEN)', [/^\* STATUS "INBOX" \(MESSAGES 2 RECENT \d UNSEEN 2\)$/, 'f10 OK STATUS completed']],
      ['f11 SUBSCRIBE "Archiv 2024"', ['f11 OK SUBSCRIBE completed']],
      ['f12 LSUB "" "Archiv 2*"', ['* LSUB () "/" "Archiv 2024"', 'f12 OK LSUB completed']],
      ['f13 LIST (SUBSCRIBED) "" "Archiv 2*" RETURN (STATUS (MESSAGES))', ['* LIST (\\HasNoChildren \\Subscribed) "/" "Archiv 2024"', '* STATUS "Archiv 2024" (MESSAGES 0)', 'f13 OK LIST completed']],
      ['f14 UNSUBSCRIBE "Archiv 2024"', ['f14 OK UNSUBSCRIBE completed']],
      ['f15 DELETE "Archiv 2024"', ['f15 OK DELETE completed']],
      ['f16 DELETE "Archiv 2024"', ['f16 NO [NONEXISTENT] No such mailbox']],
      ['f17 DELETE INBOX', ['f17 NO [CANNOT] INBOX cannot be deleted']],
      ['f18 STATUS nowhere (MESSAGES)', ['f18 NO [NONEXISTENT] No such mailbox']],
      ['f19 NAMESPACE', ['* NAMESPACE (("" "/")) NIL NIL', 'f19 OK NAMESPACE completed']],
      ['f20 GETQUOTAROOT INBOX', ['* QUOTAROOT "INBOX" ""', /^\* QUOTA "" \(STORAGE \d+ 1048576\)$/, 'f20 OK GETQUOTAROOT completed']],
      ['f21 ENABLE CONDSTORE', ['* ENABLED CONDSTORE', 'f21 OK ENABLE completed']],
      ['f27 CREATE "Deep/Er"', ['f27 OK CREATE completed']],
      ['f28 SUBSCRIBE "Deep/Er"', ['f28 OK SUBSCRIBE completed']],
      ['f29 UNSUBSCRIBE "Deep"', ['...', /^f29 (OK|NO)/]],
      ['f30 LSUB "" "Deep%"', ['* LSUB (\\Noselect) "/" "Deep"', 'f30 OK LSUB completed']],
      ['f31 LSUB "" "Deep/%"', ['* LSUB () "/" "Deep/Er"', 'f31 OK LSUB completed']],
      ['f23 CREATE "Old Mail" (USE (\\Archive))', ['f23 OK CREATE completed']],
      ['f24 LIST "" "Old Mail"', ['* LIST (\\HasNoChildren \\Archive) "/" "Old Mail"', 'f24 OK LIST completed']],
      ['f25 CREATE Bad (USE (\\Bogus))', ['f25 BAD [CLIENTBUG] CREATE: Unknown special use']],
      ['f26 STATUS INBOX (SIZE)', [/^\* STATUS "INBOX" \(SIZE \d+\)$/, 'f26 OK STATUS completed']],
      ['f22 LIST (SPECIAL-USE) "" "*"', ['...', /^\* LIST \(\\HasNoChildren \\Trash\) "\/" "Trash"$/, '...', 'f22 OK LIST completed']],
    ]);
    c.close();
  });

  it('APPEND with flags, date, synchronizing literal and LITERAL+; APPENDUID; TRYCREATE', async () => {
    const { c } = await loggedIn();
    const msg = testMessage('Appended').toString();
    await run(c, [
      [`a1 APPEND INBOX (\\Seen $Work) " 5-Mar-2024 10:00:00 +0100" {${msg.length}}`, ['+ Ready for literal data']],
      [msg, [/^a1 OK \[APPENDUID \d+ 1\] APPEND completed$/]],
      [`a2 APPEND INBOX {${msg.length}+}\r\n${msg}`, [/^a2 OK \[APPENDUID \d+ 2\] APPEND completed$/]],
      [`a3 APPEND Nowhere {${msg.length}+}\r\n${msg}`, ['a3 NO [TRYCREATE] No such mailbox']],
      ['a4 SELECT INBOX', ['...', '* 2 EXISTS', '...', /^a4 OK \[READ-WRITE\]/]],
      ['a5 FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)', [`* 1 FETCH (FLAGS (\\Seen $Work \\Recent) INTERNALDATE "05-Mar-2024 10:00:00 +0100" RFC822.SIZE ${msg.length})`, 'a5 OK FETCH completed']],
    ]);
    c.close();
  });
});

describe('RFC 3501 6.4 selected state: FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE', () => {
  it('SELECT announces the folder; EXAMINE is read-only', async () => {
    const { c } = await loggedIn(3);
    await run(c, [
      ['s1 EXAMINE INBOX', [
        /^\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft.*\)$/,
        '* 3 EXISTS',
        /^\* \d RECENT$/,
        '* OK [UNSEEN 1] Message 1 is first unseen',
        '* OK [PERMANENTFLAGS ()] No permanent flags permitted',
        /^\* OK \[UIDVALIDITY \d+\] UIDs valid$/,
        '* OK [UIDNEXT 4] Predicted next UID',
        /^\* OK \[HIGHESTMODSEQ \d+\] Highest$/,
        's1 OK [READ-ONLY] EXAMINE completed',
      ]],
      ['s2 STORE 1 +FLAGS (\\Seen)', ['s2 NO [READ-ONLY] Mailbox is read-only']],
      ['s3 FETCH 1 BODY[TEXT]', ['* 1 FETCH (BODY[TEXT] {34}\r\nBody of message 1.\r\nSecond line.\r\n)', 's3 OK FETCH completed']],
      ['s4 FETCH 1 FLAGS', ['* 1 FETCH (FLAGS (\\Recent))', 's4 OK FETCH completed'].map((l, i) => (i === 0 ? /^\* 1 FETCH \(FLAGS \((\\Recent)?\)\)$/ : l))],
      ['s5 SELECT INBOX', ['...', /^\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\\*\)\] Flags permitted$/, '...', 's5 OK [READ-WRITE] SELECT completed']],
    ]);
    c.close();
  });

  it('FETCH: macros, sections, partial, HEADER.FIELDS, \\Seen by BODY[], not by PEEK', async () => {
    const { c } = await loggedIn(2);
    await c.command('s SELECT INBOX');
    await run(c, [
      ['f1 FETCH 1 FAST', [/^\* 1 FETCH \(FLAGS \(.*\) INTERNALDATE "01-Jan-2026 12:00:00 \+0000" RFC822.SIZE \d+\)$/, 'f1 OK FETCH completed']],
      ['f2 FETCH 1 ENVELOPE', ['* 1 FETCH (ENVELOPE ("Tue, 24 Nov 2026 10:00:00 +0000" "Message 1" (("Sender" NIL "sender" "example.org")) (("Sender" NIL "sender" "example.org")) (("Sender" NIL "sender" "example.org")) ((NIL NIL "rcpt" "example.com")) NIL NIL NIL "<Message1@example.org>"))', 'f2 OK FETCH completed']],
      ['f3 FETCH 1 BODYSTRUCTURE', [/^\* 1 FETCH \(BODYSTRUCTURE \("TEXT" "PLAIN" \("CHARSET" "US-ASCII"\) NIL NIL "7BIT" 34 2 NIL NIL NIL NIL\)\)$/i, 'f3 OK FETCH completed']],
      ['f4 FETCH 1 BODY', [/^\* 1 FETCH \(BODY \("TEXT" "PLAIN" \("CHARSET" "US-ASCII"\) NIL NIL "7BIT" 34 2\)\)$/i, 'f4 OK FETCH completed']],
      ['f5 FETCH 1 BODY.PEEK[HEADER.FIELDS (Subject FROM)]', ['* 1 FETCH (BODY[HEADER.FIELDS (Subject FROM)] {57}\r\nFrom: Sender <sender@example.org>\r\nSubject: Message 1\r\n\r\n)', 'f5 OK FETCH completed']],
      ['f6 FETCH 1 BODY.PEEK[TEXT]<5.10>', ['* 1 FETCH (BODY[TEXT]<5> {10}\r\nof message)', 'f6 OK FETCH completed']],
      ['f7 FETCH 1 BODY.PEEK[1]', ['* 1 FETCH (BODY[1] {34}\r\nBody of message 1.\r\nSecond line.\r\n)', 'f7 OK FETCH completed']],
      ['f8 FETCH 1 (FLAGS)', [/^\* 1 FETCH \(FLAGS \((\\Recent)?\)\)$/, 'f8 OK FETCH completed']],
      ['f9 FETCH 1 BODY[TEXT]<0.4>', [/^\* 1 FETCH \(BODY\[TEXT\]<0> \{4\}\r\nBody FLAGS \(\\Seen( \\Recent)?\)\)$/, 'f9 OK FETCH completed']],
      ['f10 UID FETCH 2 (RFC822.HEADER)', [/^\* 2 FETCH \(UID 2 RFC822.HEADER \{\d+\}\r\nFrom: Sender/, 'f10 OK UID FETCH completed']],
      ['f11 FETCH 2 FLAGS', [/^\* 2 FETCH \(FLAGS \((\\Recent)?\)\)$/, 'f11 OK FETCH completed']],
      ['f12 FETCH 1:* (UID)', ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', 'f12 OK FETCH completed']],
      ['f13 UID FETCH 3:* (UID)', ['* 2 FETCH (UID 2)', 'f13 OK UID FETCH completed']],
      ['f14 FETCH 1 BODY.PEEK[9]', ['* 1 FETCH (BODY[9] NIL)', 'f14 OK FETCH completed']],
      ['f15 FETCH 1 (UID MODSEQ)', [/^\* 1 FETCH \(UID 1 MODSEQ \(\d+\)\)$/, 'f15 OK FETCH completed']],
    ]);
    c.close();
  });

  it('RFC822.SIZE equals the bytes of BODY[] and of RFC822', async () => {
    const { c } = await loggedIn(1);
    await c.command('s SELECT INBOX');
    const size = Number(/RFC822.SIZE (\d+)/.exec((await c.command('z1 FETCH 1 RFC822.SIZE'))[0])![1]);
    const body = (await c.command('z2 FETCH 1 BODY.PEEK[]'))[0];
    expect(body).toContain(`BODY[] {${size}}\r\n`);
    const rfc822 = (await c.command('z3 FETCH 1 RFC822'))[0];
    expect(rfc822).toContain(`RFC822 {${size}}\r\n`);
    c.close();
  });

  it('STORE and SEARCH', async () => {
    const { c } = await loggedIn(3);
    await c.command('s SELECT INBOX');
    await run(c, [
      ['t1 STORE 1 +FLAGS (\\Flagged $Work)', [
        // RFC 3501 7.2.6: the new keyword is announced before the FETCH that shows it.
        '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)',
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted',
        /^\* 1 FETCH \(FLAGS \(\\Flagged \$Work( \\Recent)?\)\)$/, 't1 OK STORE completed']],
      ['t2 STORE 1 -FLAGS.SILENT ($Work)', ['t2 OK STORE completed']],
      ['t3 UID STORE 2:3 FLAGS (\\Seen)', [/^\* 2 FETCH \(UID 2 FLAGS \(\\Seen( \\Recent)?\)\)$/, /^\* 3 FETCH \(UID 3 FLAGS \(\\Seen( \\Recent)?\)\)$/, 't3 OK UID STORE completed']],
      ['t4 SEARCH UNSEEN', ['* SEARCH 1', 't4 OK SEARCH completed']],
      ['t5 SEARCH FLAGGED', ['* SEARCH 1', 't5 OK SEARCH completed']],
      ['t6 UID SEARCH SEEN', ['* SEARCH 2 3', 't6 OK UID SEARCH completed']],
      ['t7 SEARCH OR FLAGGED SUBJECT "message 3"', ['* SEARCH 1 3', 't7 OK SEARCH completed']],
      ['t8 SEARCH NOT (SEEN) UNDELETED', ['* SEARCH 1', 't8 OK SEARCH completed']],
      ['t9 SEARCH 2:*', ['* SEARCH 2 3', 't9 OK SEARCH completed']],
      ['t10 SEARCH BODY "message 2"', ['* SEARCH 2', 't10 OK SEARCH completed']],
      ['t11 SEARCH SINCE 2-Jan-2026 BEFORE 3-Jan-2026', ['* SEARCH 2', 't11 OK SEARCH completed']],
      ['t12 SEARCH ON 1-Jan-2026', ['* SEARCH 1', 't12 OK SEARCH completed']],
      ['t13 SEARCH LARGER 100000', ['* SEARCH', 't13 OK SEARCH completed']],
      ['t14 SEARCH HEADER Message-ID Message2', ['* SEARCH 2', 't14 OK SEARCH completed']],
      ['t15 SEARCH KEYWORD $Work', ['* SEARCH', 't15 OK SEARCH completed']],
      ['t16 SEARCH CHARSET UTF-8 TEXT {5+}\r\nSECOND', ['t16 BAD [CLIENTBUG] SEARCH: Unexpected extra arguments']],
      ['t17 SEARCH CHARSET UTF-8 TEXT {6+}\r\nSECOND', ['* SEARCH 1 2 3', 't17 OK SEARCH completed']],
      ['t18 SEARCH MODSEQ 1', [/^\* SEARCH 1 2 3 \(MODSEQ \d+\)$/, 't18 OK SEARCH completed']],
      ['t19 SEARCH SENTON 24-Nov-2026', ['* SEARCH 1 2 3', 't19 OK SEARCH completed']],
      ['t19a SEARCH RETURN (MIN MAX COUNT) SEEN', ['* ESEARCH (TAG "t19a") MIN 2 MAX 3 COUNT 2', 't19a OK SEARCH completed']],
      ['t19b UID SEARCH RETURN () ALL', ['* ESEARCH (TAG "t19b") UID ALL 1:3', 't19b OK UID SEARCH completed']],
      ['t19c SEARCH RETURN (COUNT ALL) KEYWORD $None', ['* ESEARCH (TAG "t19c") COUNT 0', 't19c OK SEARCH completed']],
      // SEARCHRES (RFC 5182): SAVE alone answers no ESEARCH (imap4rev2.test.ts has the rest).
      ['t19d SEARCH RETURN (SAVE) ALL', ['t19d OK SEARCH completed']],
      ['t20 STORE 1 FLAGS (\\Deleted)', [/^\* 1 FETCH \(FLAGS \(\\Deleted( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't20 OK STORE completed']],
      ['t21 SEARCH DELETED', ['* SEARCH 1', 't21 OK SEARCH completed']],
    ]);
    c.close();
  });

  it('COPY, MOVE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT', async () => {
    const { c } = await loggedIn(4);
    await c.command('s SELECT INBOX');
    await run(c, [
      ['m1 COPY 1:2 Archive', [/^m1 OK \[COPYUID \d+ 1:2 1:2\] COPY completed$/]],
      ['m2 COPY 1 Nowhere', ['m2 NO [TRYCREATE] No such mailbox']],
      ['m3 MOVE 3 Trash', [/^\* OK \[COPYUID \d+ 3 1\] Moved$/, '* 3 EXPUNGE', 'm3 OK MOVE completed']],
      ['m4 STORE 1 +FLAGS.SILENT (\\Deleted)', ['m4 OK STORE completed']],
      ['m5 UID STORE 4 +FLAGS.SILENT (\\Deleted)', ['m5 OK UID STORE completed']],
      ['m6 UID EXPUNGE 4', ['* 3 EXPUNGE', 'm6 OK UID EXPUNGE completed']],
      ['m7 EXPUNGE', ['* 1 EXPUNGE', 'm7 OK EXPUNGE completed']],
      ['m8 FETCH 1:* UID', ['* 1 FETCH (UID 2)', 'm8 OK FETCH completed']],
      ['m9 STATUS Archive (MESSAGES)', ['* STATUS "Archive" (MESSAGES 2)', 'm9 OK STATUS completed']],
      ['m10 SELECT Archive', ['...', '* 2 EXISTS', '...', 'm10 OK [READ-WRITE] SELECT completed']],
      ['m11 UID MOVE 1 INBOX', [/^\* OK \[COPYUID \d+ 1 5\] Moved$/, '* 1 EXPUNGE', 'm11 OK UID MOVE completed']],
      ['m12 STORE 1 +FLAGS.SILENT (\\Deleted)', ['m12 OK STORE completed']],
      ['m13 CLOSE', ['m13 OK CLOSE completed']],
      ['m14 FETCH 1 UID', ['m14 BAD [CLIENTBUG] No mailbox selected: FETCH is not allowed in this state']],
      ['m15 STATUS Archive (MESSAGES)', ['* STATUS "Archive" (MESSAGES 0)', 'm15 OK STATUS completed']],
      ['m16 SELECT INBOX', ['...', '* 2 EXISTS', '...', 'm16 OK [READ-WRITE] SELECT completed']],
      ['m17 UNSELECT', ['m17 OK UNSELECT completed']],
    ]);
    c.close();
  });
});

describe('RFC 3501 5.2, 7.4.1: two sessions on one folder', () => {
  it('see each other’s EXPUNGE and flag changes at NOOP, never during FETCH/STORE/SEARCH', async () => {
    const { c: a, address } = await loggedIn(3);
    const b = await WireClient.connect(h.port, { tls: true });
    await b.line();
    await b.command(`L LOGIN ${address} "${PASSWORD}"`);
    await a.command('s SELECT INBOX');
    await b.command('s SELECT INBOX');
    await run(a, [
      ['a1 STORE 2 +FLAGS (\\Flagged)', [/^\* 2 FETCH/, 'a1 OK STORE completed']],
      ['a2 STORE 3 +FLAGS.SILENT (\\Deleted)', ['a2 OK STORE completed']],
      ['a3 EXPUNGE', ['* 3 EXPUNGE', 'a3 OK EXPUNGE completed']],
    ]);
    // During FETCH only the flag change may show, the expunge waits.
    const fetched = await b.command('b1 FETCH 1:3 (UID)');
    expect(fetched.filter((l) => /EXPUNGE/.test(l))).toEqual([]);
    expect(fetched[fetched.length - 1]).toBe('b1 OK FETCH completed');
    const noop = await b.command('b2 NOOP');
    expect(noop).toContain('* 3 EXPUNGE');
    expect([...fetched, ...noop].join('\n')).toMatch(/\* 2 FETCH \(UID 2 FLAGS \(\\Flagged( \\Recent)?\)\)/);
    expect(noop[noop.length - 1]).toBe('b2 OK NOOP completed');
    await run(b, [['b3 FETCH 1:* (UID)', ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', 'b3 OK FETCH completed']]]);
    a.close();
    b.close();
  });

  it('sessions on two servers (two daemon processes) see each other via NOTIFY', async () => {
    const second = await h.secondServer();
    const { c: a, address } = await loggedIn(1);
    const b = await WireClient.connect(second.port, { tls: true });
    await b.line();
    await b.command(`L LOGIN ${address} "${PASSWORD}"`);
    await a.command('s SELECT INBOX');
    await b.command('s SELECT INBOX');
    await run(b, [['i1 IDLE', ['+ idling']]]);
    const started = Date.now();
    await a.command('a1 STORE 1 +FLAGS (\\Answered)');
    expect(await b.line(2000)).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Answered( \\Recent)?\)\)$/);
    expect(Date.now() - started).toBeLessThan(1000);
    await run(b, [['DONE', ['i1 OK IDLE completed']]]);
    a.close();
    b.close();
    await second.close();
  });
});

describe('RFC 7162 CONDSTORE and QRESYNC', () => {
  it('resynchronises a mailbox: VANISHED (EARLIER) and changed flags since a modseq', async () => {
    const { c } = await loggedIn(3);
    await run(c, [['e ENABLE QRESYNC', ['* ENABLED QRESYNC', 'e OK ENABLE completed']]]);
    const selected = await c.command('s SELECT INBOX');
    const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(selected.join('\n'))![1]);
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(selected.join('\n'))![1]);
    await run(c, [
      ['t1 STORE 1 +FLAGS (\\Seen)', [/^\* 1 FETCH \(UID 1 FLAGS \(\\Seen( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't1 OK STORE completed']],
      ['t2 STORE 2 +FLAGS.SILENT (\\Deleted)', ['t2 OK STORE completed']],
      ['t3 EXPUNGE', ['* VANISHED 2', 't3 OK EXPUNGE completed']],
      [`t4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`, ['* VANISHED (EARLIER) 2', /^\* 1 FETCH \(UID 1 FLAGS \(\\Seen( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't4 OK UID FETCH completed']],
      [`t5 SELECT INBOX (QRESYNC (${uidValidity} ${modseq} 1:3))`, ['* OK [CLOSED] Previous mailbox closed', '...', '* VANISHED (EARLIER) 2', /^\* 1 FETCH \(UID 1 FLAGS \(\\Seen( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't5 OK [READ-WRITE] SELECT completed']],
      [`t6 SELECT INBOX (QRESYNC (${uidValidity + 1} ${modseq}))`, ['* OK [CLOSED] Previous mailbox closed', '...', 't6 OK [READ-WRITE] SELECT completed']],
      ['t7 FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)', ['t7 BAD [CLIENTBUG] VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE']],
      ['t8 FETCH 2 (FLAGS)', [/^\* 2 FETCH \(UID 3 FLAGS \((\\Recent)?\) MODSEQ \(\d+\)\)$/, 't8 OK FETCH completed']],
    ]);
    c.close();
  });

  it('CONDSTORE: UNCHANGEDSINCE refuses a stale STORE with [MODIFIED]', async () => {
    const { c } = await loggedIn(2);
    const selected = await c.command('s SELECT INBOX (CONDSTORE)');
    const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(selected.join('\n'))![1]);
    await run(c, [
      ['t1 STORE 1 +FLAGS (\\Flagged)', [/^\* 1 FETCH \(FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't1 OK STORE completed']],
      [`t2 STORE 1:2 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Seen)`, [/^\* 2 FETCH \(FLAGS \(\\Seen( \\Recent)?\) MODSEQ \(\d+\)\)$/, 't2 OK [MODIFIED 1] Conditional STORE failed for some messages']],
      [`t3 FETCH 1:2 (FLAGS) (CHANGEDSINCE ${modseq})`, [/^\* 1 FETCH \(FLAGS/, /^\* 2 FETCH \(FLAGS/, 't3 OK FETCH completed']],
      ['t4 STATUS INBOX (HIGHESTMODSEQ)', [/^\* STATUS "INBOX" \(HIGHESTMODSEQ \d+\)$/, 't4 OK STATUS completed']],
    ]);
    c.close();
  });
});

describe('RFC 2177 IDLE', () => {
  it('pushes a delivered message within a second', async () => {
    const { c, mailboxId } = await loggedIn(1);
    await c.command('s SELECT INBOX');
    await run(c, [['i1 IDLE', ['+ idling']]]);
    const started = Date.now();
    await h.deliver(mailboxId, testMessage('Pushed'));
    expect(await c.line(2000)).toBe('* 2 EXISTS');
    expect(await c.line(2000)).toMatch(/^\* \d RECENT$/);
    expect(Date.now() - started).toBeLessThan(1000);
    await run(c, [
      ['DONE', ['i1 OK IDLE completed']],
      ['f FETCH 2 ENVELOPE', [/"Pushed"/, 'f OK FETCH completed']],
      ['i2 IDLE', ['+ idling']],
      ['NOT-DONE', ['i2 BAD Expected DONE']],
    ]);
    c.close();
  });
});
