// IMAP4rev2 (RFC 9051) transcripts: what ENABLE IMAP4rev2 changes (Appendix E), client lines →
// server lines over TLS against the real store, one table per clause; each table also shows
// the IMAP4rev1 answer a client that did not enable IMAP4rev2 keeps getting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { freshUser, loginClient, runSteps, type Step } from '@/mail-daemon/testing/imap-transcript';
import type { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
const PASSWORD = 'correct horse battery';
const clients: WireClient[] = [];

beforeAll(async () => {
  h = await startImapHarness({ limits: { maxConnectionsPerIp: 60 } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await h?.close();
});

/** An account with `messages` in INBOX and a client logged in; with `rev2`, IMAP4rev2 enabled. */
async function client(messages: number, rev2: boolean): Promise<{ c: WireClient; address: string; mailboxId: string }> {
  const u = await freshUser(h, PASSWORD, 'rev2-');
  for (let i = 1; i <= messages; i++) await h.deliver(u.mailboxId, testMessage(`Message ${i}`));
  const c = await loginClient(h.port, u.address, PASSWORD);
  clients.push(c);
  if (rev2) await runSteps(c, [['e ENABLE IMAP4rev2', ['* ENABLED IMAP4rev2', 'e OK ENABLE completed']]]);
  return { c, ...u };
}

const SELECT_TAIL: Step[1] = [/^\* OK \[PERMANENTFLAGS \(/, /^\* OK \[UIDVALIDITY \d+\]/, '* OK [UIDNEXT 3] Predicted next UID', /^\* OK \[HIGHESTMODSEQ \d+\]/, 's OK [READ-WRITE] SELECT completed'];

describe('RFC 9051 6.3.1 ENABLE IMAP4rev2, 7.2.2 CAPABILITY', () => {
  it('IMAP4rev2 is advertised beside IMAP4rev1 and enabled once; ENABLED names it only the first time', async () => {
    const { c } = await client(0, false);
    await runSteps(c, [
      ['a CAPABILITY', [/^\* CAPABILITY IMAP4rev1 IMAP4rev2 /, 'a OK CAPABILITY completed']],
      ['b ENABLE imap4rev2', ['* ENABLED IMAP4rev2', 'b OK ENABLE completed']],
      ['c ENABLE IMAP4rev2 CONDSTORE', ['* ENABLED CONDSTORE', 'c OK ENABLE completed']],
    ]);
  });
});

describe('RFC 9051 6.3.2 SELECT (Appendix E: no RECENT, no [UNSEEN n], a LIST response)', () => {
  const cases: [string, boolean, Step[1]][] = [
    ['IMAP4rev1', false, ['* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)', '* 2 EXISTS', '* 2 RECENT', '* OK [UNSEEN 1] Message 1 is first unseen', ...SELECT_TAIL]],
    ['IMAP4rev2', true, ['* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)', '* 2 EXISTS', '* LIST () "/" "INBOX"', ...SELECT_TAIL]],
  ];
  it.each(cases)('%s', async (_name, rev2, lines) => {
    const { c } = await client(2, rev2);
    await runSteps(c, [['s SELECT INBOX', lines]]);
  });

  it('IMAP4rev2: a special-use mailbox is listed with its attribute', async () => {
    const { c } = await client(0, true);
    await runSteps(c, [['s SELECT Trash', ['...', '* LIST (\\Trash) "/" "Trash"', '...', 's OK [READ-WRITE] SELECT completed']]]);
  });
});

describe('RFC 9051 2.3.2 and Appendix E: no \\Recent flag', () => {
  const cases: [string, boolean, string][] = [
    ['IMAP4rev1', false, ' \\Recent'],
    ['IMAP4rev2', true, ''],
  ];
  it.each(cases)('%s', async (_name, rev2, recent) => {
    const { c, mailboxId } = await client(2, rev2);
    await runSteps(c, [
      ['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']],
      ['f FETCH 1 FLAGS', [`* 1 FETCH (FLAGS (${recent.trim()}))`, 'f OK FETCH completed']],
      ['t STORE 2 +FLAGS (\\Seen)', [`* 2 FETCH (FLAGS (\\Seen${recent}))`, 't OK STORE completed']],
    ]);
    await h.deliver(mailboxId, testMessage('New one'));
    // A new message: EXISTS, and RECENT for IMAP4rev1 only.
    await runSteps(c, [['n NOOP', rev2 ? ['* 3 EXISTS', 'n OK NOOP completed'] : ['* 3 EXISTS', '* 3 RECENT', 'n OK NOOP completed']]]);
  });
});

describe('RFC 9051 6.4.4 SEARCH: answered by ESEARCH, without RECENT, NEW, OLD', () => {
  const rev2: Step[] = [
    ['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']],
    ['t STORE 1 +FLAGS.SILENT (\\Seen)', ['t OK STORE completed']],
    ['a SEARCH UNSEEN', ['* ESEARCH (TAG "a") ALL 2:3', 'a OK SEARCH completed']],
    ['b UID SEARCH ALL', ['* ESEARCH (TAG "b") UID ALL 1:3', 'b OK UID SEARCH completed']],
    ['c SEARCH SUBJECT nothing-like-this', ['* ESEARCH (TAG "c")', 'c OK SEARCH completed']],
    ['d UID SEARCH SUBJECT nothing-like-this', ['* ESEARCH (TAG "d") UID', 'd OK UID SEARCH completed']],
    ['e SEARCH RETURN (COUNT MIN) SEEN', ['* ESEARCH (TAG "e") MIN 1 COUNT 1', 'e OK SEARCH completed']],
    ['f SEARCH RECENT', ['f BAD [CLIENTBUG] SEARCH: RECENT, NEW and OLD are not IMAP4rev2 search keys']],
    ['g SEARCH NEW', ['g BAD [CLIENTBUG] SEARCH: RECENT, NEW and OLD are not IMAP4rev2 search keys']],
    ['h UID SEARCH NOT OLD', ['h BAD [CLIENTBUG] UID SEARCH: RECENT, NEW and OLD are not IMAP4rev2 search keys']],
  ];
  const rev1: Step[] = [
    ['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']],
    ['a SEARCH UNSEEN', ['* SEARCH 1 2 3', 'a OK SEARCH completed']],
    ['f SEARCH RECENT', ['* SEARCH 1 2 3', 'f OK SEARCH completed']],
    ['g SEARCH OLD', ['* SEARCH', 'g OK SEARCH completed']],
  ];
  const cases: [string, boolean, Step[]][] = [
    ['IMAP4rev2', true, rev2],
    ['IMAP4rev1', false, rev1],
  ];
  it.each(cases)('%s', async (_name, enable, steps) => {
    const { c } = await client(3, enable);
    await runSteps(c, steps);
  });
});

describe('RFC 9051 6.4.4.1 and RFC 5182: SEARCH RETURN (SAVE) and "$"', () => {
  it('saves the result (all of it, or MIN/MAX alone), uses it in FETCH, STORE, COPY and SEARCH, empties it on failure and SELECT', async () => {
    const { c } = await client(4, true);
    await runSteps(c, [
      ['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']],
      ['t STORE 2,4 +FLAGS.SILENT (\\Flagged)', ['t OK STORE completed']],
      ['a SEARCH RETURN (SAVE) FLAGGED', ['a OK SEARCH completed']],
      ['b FETCH $ (UID)', ['* 2 FETCH (UID 2)', '* 4 FETCH (UID 4)', 'b OK FETCH completed']],
      ['c UID SEARCH UID $', ['* ESEARCH (TAG "c") UID ALL 2,4', 'c OK UID SEARCH completed']],
      ['d UID COPY $ Trash', [/^d OK \[COPYUID \d+ 2,4 1:2\] COPY completed$/]],
      ['e SEARCH RETURN (SAVE MIN) FLAGGED', ['* ESEARCH (TAG "e") MIN 2', 'e OK SEARCH completed']],
      ['f FETCH $ UID', ['* 2 FETCH (UID 2)', 'f OK FETCH completed']],
      ['g SEARCH RETURN (SAVE ALL) OR $ 1', ['* ESEARCH (TAG "g") ALL 1:2', 'g OK SEARCH completed']],
      ['h STORE $ +FLAGS.SILENT (\\Deleted)', ['h OK STORE completed']],
      ['i EXPUNGE', ['* 2 EXPUNGE', '* 1 EXPUNGE', 'i OK EXPUNGE completed']],
      ['j FETCH $ UID', ['j OK FETCH completed']],
      ['k SEARCH RETURN (SAVE) ALL', ['k OK SEARCH completed']],
      // A SEARCH with SAVE that fails empties "$"; one that cannot be read is not understood, and changes nothing.
      ['l SEARCH RETURN (SAVE) NOSUCHKEY', [/^l BAD \[CLIENTBUG\] SEARCH: /]],
      ['l2 FETCH $ UID', ['* 1 FETCH (UID 3)', '* 2 FETCH (UID 4)', 'l2 OK FETCH completed']],
      ['l3 SEARCH RETURN (SAVE) RECENT', ['l3 BAD [CLIENTBUG] SEARCH: RECENT, NEW and OLD are not IMAP4rev2 search keys']],
      ['m FETCH $ UID', ['m OK FETCH completed']],
      ['n SEARCH RETURN (SAVE) ALL', ['n OK SEARCH completed']],
      ['o SELECT INBOX', ['...', 'o OK [READ-WRITE] SELECT completed']],
      ['p FETCH $ UID', ['p OK FETCH completed']],
      ['q FETCH 1,$ UID', ['q BAD [CLIENTBUG] FETCH: Bad sequence set']],
      ['r SORT RETURN (SAVE) (REVERSE ARRIVAL) UTF-8 ALL', ['r OK SORT completed']],
      ['u UID FETCH $ UID', ['* 1 FETCH (UID 3)', '* 2 FETCH (UID 4)', 'u OK UID FETCH completed']],
    ]);
  });
});

describe('RFC 9051 6.3.11 STATUS: DELETED and SIZE, no RECENT', () => {
  const cases: [string, boolean, Step[]][] = [
    [
      'IMAP4rev2',
      true,
      [
        ['a STATUS INBOX (MESSAGES DELETED SIZE UNSEEN)', [/^\* STATUS "INBOX" \(MESSAGES 2 DELETED 0 SIZE \d+ UNSEEN 2\)$/, 'a OK STATUS completed']],
        ['b STATUS INBOX (MESSAGES RECENT)', ['b BAD [CLIENTBUG] STATUS: RECENT is not an IMAP4rev2 status item']],
        ['c LIST "" INBOX RETURN (STATUS (RECENT))', ['c BAD [CLIENTBUG] LIST: RECENT is not an IMAP4rev2 status item']],
        ['d LIST "" INBOX RETURN (STATUS (DELETED))', [/^\* LIST \(.*\) "\/" "INBOX"$/, '* STATUS "INBOX" (DELETED 0)', 'd OK LIST completed']],
      ],
    ],
    ['IMAP4rev1', false, [['b STATUS INBOX (MESSAGES RECENT)', ['* STATUS "INBOX" (MESSAGES 2 RECENT 2)', 'b OK STATUS completed']]]],
  ];
  it.each(cases)('%s', async (_name, enable, steps) => {
    const { c } = await client(2, enable);
    await runSteps(c, steps);
  });
});

describe('RFC 9051 6.3.9 LIST: \\NonExistent for a level that is no mailbox; LSUB kept', () => {
  const cases: [string, boolean, string][] = [
    ['IMAP4rev2', true, '* LIST (\\NonExistent \\HasChildren) "/" "Top"'],
    ['IMAP4rev1', false, '* LIST (\\Noselect \\HasChildren) "/" "Top"'],
  ];
  it.each(cases)('%s', async (_name, enable, top) => {
    const { c } = await client(0, enable);
    await runSteps(c, [
      ['a CREATE Top/Inner', ['a OK CREATE completed']],
      ['b DELETE Top', ['b OK DELETE completed']],
      ['c LIST "" Top*', [top, '* LIST (\\HasNoChildren) "/" "Top/Inner"', 'c OK LIST completed']],
      ['d SUBSCRIBE Top/Inner', ['d OK SUBSCRIBE completed']],
      ['e LSUB "" Top/*', ['* LSUB () "/" "Top/Inner"', 'e OK LSUB completed']],
      ['f NAMESPACE', ['* NAMESPACE (("" "/")) NIL NIL', 'f OK NAMESPACE completed']],
    ]);
  });
});

describe('RFC 9051 5.1: mailbox names in UTF-8', () => {
  const cases: [string, boolean, string, string][] = [
    ['IMAP4rev2', true, 'CREATE "Caf\u00e9/R\u00e9sum\u00e9s"', '"Caf\u00e9/R\u00e9sum\u00e9s"'],
    ['IMAP4rev1', false, 'CREATE "Caf&AOk-/R&AOk-sum&AOk-s"', '"Caf&AOk-/R&AOk-sum&AOk-s"'],
  ];
  it.each(cases)('%s', async (_name, enable, create, wire) => {
    const { c } = await client(0, enable);
    const steps: Step[] = [
      [`a ${create}`, ['a OK CREATE completed']],
      ['b LIST "" "Caf*"', ['...', `* LIST (\\HasNoChildren) "/" ${wire}`, 'b OK LIST completed']],
      [`c SELECT ${wire}`, ['...', 'c OK [READ-WRITE] SELECT completed']],
    ];
    if (enable) steps.push(['d STATUS "Caf\u00e9" (MESSAGES)', ['* STATUS "Caf\u00e9" (MESSAGES 0)', 'd OK STATUS completed']]);
    await runSteps(c, steps);
  });
});

describe('RFC 9051 7.4.1 and 7.3.2: changes from another session', () => {
  it('IMAP4rev2: EXISTS without RECENT, FETCH FLAGS without \\Recent', async () => {
    const { c, address, mailboxId } = await client(1, true);
    const other = await loginClient(h.port, address, PASSWORD);
    clients.push(other);
    await runSteps(c, [['s SELECT INBOX', ['...', 's OK [READ-WRITE] SELECT completed']]]);
    await runSteps(other, [['o SELECT INBOX', ['...', /^o OK/]], ['p STORE 1 +FLAGS.SILENT (\\Flagged)', ['p OK STORE completed']]]);
    await h.deliver(mailboxId, testMessage('Second'));
    await runSteps(c, [['n NOOP', ['* 1 FETCH (UID 1 FLAGS (\\Flagged))', '* 2 EXISTS', 'n OK NOOP completed']]]);
    expect(other.isClosed).toBe(false);
  });
});
