// Nothing a client sends takes the server down or leaks internals: random commands
// with random arguments in every state, over TLS against the real store. Every
// command gets a tagged OK/NO/BAD (never SERVERBUG), and the session still works after.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { COMMANDS } from './commands';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
beforeAll(async () => {
  h = await startImapHarness({ limits: { maxLiteral: 2000 } });
});
afterAll(async () => {
  await h?.close();
});

// A small deterministic PRNG so a failure can be replayed.
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const TOKENS = ['1', '2', '*', '1:*', '2:3', '0', '4294967296', 'INBOX', 'Trash', '"Sent"', '""', 'NIL', '(', ')', '()', '(FLAGS)', 'BODY[]', 'BODY.PEEK[HEADER.FIELDS (From)]',
  'BODY[1.2.MIME]<0.10>', '\\Seen', '\\Deleted', '$Kw', '+FLAGS', '-FLAGS.SILENT', 'FLAGS', 'ALL', 'OR', 'NOT', 'UID', 'SUBJECT', '"x y"', 'CHARSET', 'UTF-8',
  '1-Jan-2020', '"01-Jan-2020 00:00:00 +0000"', '(CHANGEDSINCE 1)', '(UNCHANGEDSINCE 1)', '(MESSAGES UNSEEN)', 'RETURN', '(STATUS (MESSAGES))', '%', 'a/b', '&Jjo-', '&', '~', 'PLAIN',
  'AGEAYg==', '{3+}\r\nabc', '{0+}\r\n', '\u00e9t\u00e9', '"\\"', '[', ']', '<', '>', 'MODSEQ', 'VANISHED', '(QRESYNC (1 1))', 'CONDSTORE', 'QRESYNC'];

// Valid shapes per command; the fuzzer mutates them (drop, swap, insert tokens).
const GOOD: Record<string, string[]> = {
  CAPABILITY: [''], NOOP: [''], ID: ['("name" "fuzz")', 'NIL'], ENABLE: ['CONDSTORE', 'QRESYNC'], LOGIN: ['fuzz@example.com "fuzz password 1"'],
  SELECT: ['INBOX', 'INBOX (CONDSTORE)', 'Trash', 'INBOX (QRESYNC (1 1))'], EXAMINE: ['INBOX', 'Archive'], CREATE: ['a/b', '"x y"', '&Jjo-'], DELETE: ['a/b', 'Trash'],
  RENAME: ['a/b c', 'INBOX Old', '"x y" z'], SUBSCRIBE: ['INBOX'], UNSUBSCRIBE: ['INBOX'], LIST: ['"" *', '"" %', '(SUBSCRIBED) "" * RETURN (STATUS (MESSAGES UNSEEN))', '"" ("INBOX" "Sent")'],
  LSUB: ['"" *'], STATUS: ['INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)'], APPEND: ['INBOX {20+}\r\nSubject: x\r\n\r\nbody\r\n', 'INBOX (\\Seen) "01-Jan-2020 00:00:00 +0000" {8+}\r\nX: y\r\n\r\n'],
  NAMESPACE: [''], GETQUOTAROOT: ['INBOX'], GETQUOTA: ['""'], SETQUOTA: ['"" (STORAGE 1)'], CHECK: [''], CLOSE: [''], UNSELECT: [''], EXPUNGE: [''],
  SEARCH: ['ALL', 'OR SEEN NOT FLAGGED', 'CHARSET UTF-8 SUBJECT "fuzz"', '1:* UID 2:* LARGER 10 SMALLER 100000 SINCE 1-Jan-2020', 'TEXT {3+}\r\nfuz', 'MODSEQ 1', 'HEADER X-Y z BODY q NEW OLD RECENT'],
  FETCH: ['1:* (FLAGS UID)', '1 (BODY[] BODYSTRUCTURE ENVELOPE)', '1:2 FULL', '* (BODY.PEEK[1.MIME] BODY[HEADER.FIELDS.NOT (To)]<0.5>)', '1 (FLAGS) (CHANGEDSINCE 1)', '1 RFC822'],
  STORE: ['1 +FLAGS (\\Seen)', '1:* -FLAGS.SILENT (\\Deleted $Kw)', '2 (UNCHANGEDSINCE 1) FLAGS ()'], COPY: ['1:* Trash', '1 Nope'], MOVE: ['1 Archive', '* Trash'],
  'UID EXPUNGE': ['1:*'], 'UID SEARCH': ['UID 1:*'], 'UID FETCH': ['1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)', '1 BODY.PEEK[TEXT]<2.3>'], 'UID STORE': ['1 +FLAGS ($A)'],
  'UID COPY': ['1:* INBOX'], 'UID MOVE': ['2 Junk'],
};

function mutate(rand: () => number, good: string): string {
  // Literals stay whole (a wrong count would just make the server wait for bytes).
  const brace = good.indexOf('{');
  const tail = brace >= 0 ? good.slice(brace) : '';
  const parts = (brace >= 0 ? good.slice(0, brace) : good).split(' ').filter(Boolean);
  const n = Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * (parts.length + 1));
    const op = rand();
    if (op < 0.33) parts.splice(at, 1);
    else if (op < 0.66) parts.splice(at, 0, TOKENS[Math.floor(rand() * TOKENS.length)]);
    else parts[Math.min(at, parts.length - 1)] = TOKENS[Math.floor(rand() * TOKENS.length)];
  }
  const head = parts.join(' ');
  return tail ? `${head} ${tail}`.trimStart() : head;
}

it('survives random commands in every state', async () => {
  const rand = rng(Number(process.env.IMAP_FUZZ_SEED ?? 20261124));
  const { mailboxId } = { mailboxId: await h.addUser('fuzz@example.com', 'fuzz password 1') };
  for (let i = 0; i < 3; i++) await h.deliver(mailboxId, testMessage(`Fuzz ${i}`));
  const names = Object.keys(COMMANDS).filter((n) => n !== 'LOGOUT' && n !== 'STARTTLS' && n !== 'IDLE' && n !== 'AUTHENTICATE');
  const failures: string[] = [];
  const stats: Record<string, number> = {};
  const history: string[] = [];
  for (const prelude of [[], ['LOGIN fuzz@example.com "fuzz password 1"'], ['LOGIN fuzz@example.com "fuzz password 1"', 'SELECT INBOX']]) {
    const c = await WireClient.connect(h.port, { tls: true });
    await c.line();
    for (const p of prelude) await c.command(`p ${p}`);
    for (let i = 0; i < 400; i++) {
      const name = names[Math.floor(rand() * names.length)];
      const shapes = GOOD[name] ?? [''];
      const args = mutate(rand, shapes[Math.floor(rand() * shapes.length)]);
      const line = `f${i} ${name}${args ? ' ' + args : ''}`;
      const res = await c.command(line, 10_000).catch((err) => {
        throw new Error(`${line}: ${err.message}\nhistory:\n${history.slice(-6).join('\n')}`);
      });
      history.push(`${line} → ${res.join(' | ')}`);
      const last = res[res.length - 1];
      stats[last.split(' ')[1]] = (stats[last.split(' ')[1]] ?? 0) + 1;
      if (!new RegExp(`^f${i} (OK|NO|BAD)( |$)`).test(last) || /SERVERBUG/.test(last)) failures.push(`${line} → ${last}`);
      if (c.isClosed) break;
      // Keep the state: re-login / re-select when the fuzz changed it.
      if (prelude.length === 2 && name === 'SELECT' && /OK/.test(last)) await c.command('u UNSELECT');
      if (prelude.length === 3 && /^(CLOSE|UNSELECT)$/.test(name)) await c.command('r SELECT INBOX');
    }
    const end = await c.command('z NOOP');
    expect(end[end.length - 1]).toBe('z OK NOOP completed');
    c.close();
  }
  console.log("fuzz stats", JSON.stringify(stats));
  // Enough of the random commands must get past the parser to mean something.
  expect(stats.OK ?? 0).toBeGreaterThan(50);
  expect(failures).toEqual([]);
  // Raw junk, then a normal session on a fresh connection.
  const j = await WireClient.connect(h.port, { tls: true });
  await j.line();
  j.write(Buffer.from([0, 1, 2, 255, 254, 13, 10, 0x7b, 0x39, 0x39, 0x39, 0x39, 0x7d, 13, 10]));
  j.write('\r\n\r\n)))\r\n* * *\r\n+ x\r\n');
  const after = await j.command('ok NOOP');
  expect(after[after.length - 1]).toBe('ok OK NOOP completed');
  j.close();
}, 120_000);
