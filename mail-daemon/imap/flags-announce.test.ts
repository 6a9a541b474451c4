// RFC 3501 7.2.6 / RFC 9051 7.3.5: a keyword reaches a client in FLAGS (and PERMANENTFLAGS)
// before any FETCH shows it, whoever set it: this session (STORE, APPEND, COPY), another
// session, or another daemon process. NIL is never a keyword. Real TLS against the real store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { loginClient, runSteps, type Step } from '@/mail-daemon/testing/imap-transcript';
import type { WireClient } from '@/mail-daemon/testing/imap-wire';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness({ limits: { maxConnectionsPerIp: 60 } });
});
afterAll(async () => {
  await h?.close();
});

async function user(messages: number): Promise<string> {
  const address = `kw${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  for (let i = 1; i <= messages; i++) await h.deliver(mailboxId, testMessage(`Keyword ${i}`));
  return address;
}

const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
const flags = (...keywords: string[]) => `* FLAGS (${[SYSTEM, ...keywords].join(' ')})`;
const permanent = (...keywords: string[]) => `* OK [PERMANENTFLAGS (${[SYSTEM, ...keywords, '\\*'].join(' ')})] Flags permitted`;

async function selected(address: string, port = h.port, command = 'SELECT'): Promise<WireClient> {
  const c = await loginClient(port, address, PASSWORD);
  const res = await c.command(`S ${command} INBOX`);
  expect(res[res.length - 1]).toMatch(/^S OK/);
  return c;
}

describe('RFC 3501 7.2.6: this session adds a keyword', () => {
  it('STORE, STORE.SILENT, APPEND and COPY into the selected folder announce it first', async () => {
    const address = await user(2);
    const c = await selected(address);
    const msg = testMessage('Appended').toString();
    const steps: Step[] = [
      ['a1 STORE 1 +FLAGS ($hello)', [flags('$hello'), permanent('$hello'), /^\* 1 FETCH \(FLAGS \(\$hello( \\Recent)?\)\)$/, 'a1 OK STORE completed']],
      ['a2 STORE 2 +FLAGS ($hello)', [/^\* 2 FETCH \(FLAGS \(\$hello( \\Recent)?\)\)$/, 'a2 OK STORE completed']],
      ['a3 STORE 2 +FLAGS.SILENT (quiet)', [flags('$hello', 'quiet'), permanent('$hello', 'quiet'), 'a3 OK STORE completed']],
      [`a4 APPEND INBOX (fromappend) {${msg.length}+}\r\n${msg}`, [flags('$hello', 'quiet', 'fromappend'), permanent('$hello', 'quiet', 'fromappend'), '* 3 EXISTS', /^\* \d+ RECENT$/, /^a4 OK \[APPENDUID \d+ 3\] APPEND completed$/]],
      ['a5 FETCH 3 FLAGS', [/^\* 3 FETCH \(FLAGS \(fromappend( \\Recent)?\)\)$/, 'a5 OK FETCH completed']],
      ['a6 SELECT Trash', ['...', 'a6 OK [READ-WRITE] SELECT completed']],
      [`a7 APPEND Trash (copied) {${msg.length}+}\r\n${msg}`, ['...', /^a7 OK \[APPENDUID/]],
      ['a8 COPY 1 INBOX', [/^a8 OK \[COPYUID/]],
      ['a9 SELECT INBOX', ['* OK [CLOSED] Previous mailbox closed', flags('$hello', 'copied', 'fromappend', 'quiet'), '...', permanent('$hello', 'copied', 'fromappend', 'quiet'), '...', 'a9 OK [READ-WRITE] SELECT completed']],
    ];
    await runSteps(c, steps);
    c.close();
  });

  it('NIL is refused as a keyword and never listed', async () => {
    const address = await user(1);
    const c = await selected(address);
    const msg = testMessage('Nil').toString();
    await runSteps(c, [
      ['n1 STORE 1 +FLAGS (NIL)', ['n1 BAD [CLIENTBUG] Invalid arguments']],
      ['n2 STORE 1 +FLAGS (nil $ok)', ['n2 BAD [CLIENTBUG] Invalid arguments']],
      [`n3 APPEND INBOX (NIL) {${msg.length}+}\r\n${msg}`, [/^n3 BAD/]],
      ['n4 FETCH 1 FLAGS', [/^\* 1 FETCH \(FLAGS \((\\Recent)?\)\)$/, 'n4 OK FETCH completed']],
      ['n5 SELECT INBOX', ['* OK [CLOSED] Previous mailbox closed', flags(), '...', 'n5 OK [READ-WRITE] SELECT completed']],
    ]);
    c.close();
  });
});

describe('RFC 3501 7.2.6: another session or process adds a keyword', () => {
  it('FETCH, NOOP and IDLE announce it before showing it, on this daemon and on another', async () => {
    const address = await user(2);
    const second = await h.secondServer();
    try {
      const writer = await selected(address);
      const here = await selected(address);
      const there = await selected(address, second.port);
      const examining = await selected(address, h.port, 'EXAMINE');
      await runSteps(writer, [['w1 STORE 1 +FLAGS.SILENT ($other)', [flags('$other'), permanent('$other'), 'w1 OK STORE completed']]]);
      await runSteps(here, [['h1 FETCH 1 FLAGS', [flags('$other'), permanent('$other'), /^\* 1 FETCH \(FLAGS \(\$other\)\)$/, '...', 'h1 OK FETCH completed']]]);
      await runSteps(there, [['t1 NOOP', [flags('$other'), permanent('$other'), /^\* 1 FETCH \(UID 1 FLAGS \(\$other\)\)$/, 't1 OK NOOP completed']]]);
      await runSteps(examining, [['e1 FETCH 1:2 FLAGS', [flags('$other'), '* OK [PERMANENTFLAGS ()] No permanent flags permitted', /^\* 1 FETCH \(FLAGS \(\$other\)\)$/, /^\* 2 FETCH/, '...', 'e1 OK FETCH completed']]]);
      await runSteps(there, [['t2 IDLE', ['+ idling']]]);
      await runSteps(writer, [['w2 STORE 2 +FLAGS.SILENT ($pushed)', ['...', 'w2 OK STORE completed']]]);
      // Pushed while idling (the writer's OK can come before the other daemon hears of the change).
      await runSteps(there, [
        [null, [flags('$other', '$pushed'), permanent('$other', '$pushed'), /^\* 2 FETCH \(UID 2 FLAGS \(\$pushed\)\)$/]],
        ['DONE', ['t2 OK IDLE completed']],
      ]);
      for (const c of [writer, here, there, examining]) c.close();
    } finally {
      await second.close();
    }
  });

  it('under concurrent writers every keyword a FETCH shows was announced first', async () => {
    const address = await user(5);
    const second = await h.secondServer();
    try {
      const writers = await Promise.all([selected(address), selected(address, second.port)]);
      const readers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => selected(address, i % 2 ? second.port : h.port)));
      let done = false;
      const stats = { fetches: 0, keywordsShown: 0, unannounced: [] as string[] };
      const msg = testMessage('Concurrent').toString();
      // New keywords by STORE, APPEND and COPY, from both daemons.
      const write = async (c: WireClient, w: number) => {
        for (let i = 0; i < 30; i++) {
          const keyword = `$w${w}k${i}`;
          const command =
            i % 3 === 0 ? `W${i} APPEND INBOX (${keyword}) {${msg.length}+}\r\n${msg}`
            : i % 3 === 1 ? `W${i} STORE ${(i % 5) + 1} +FLAGS.SILENT (${keyword})`
            : `W${i} COPY ${(i % 5) + 1} INBOX`;
          const res = await c.command(command);
          expect(res[res.length - 1]).toMatch(/OK/);
        }
      };
      const read = async (c: WireClient) => {
        // Keywords this client was told of: the FLAGS of its SELECT had none.
        const told = new Set<string>();
        for (let round = 0; !done || round < 2; round++) {
          const lines = await c.command(round % 3 === 2 ? `R${round} NOOP` : `R${round} FETCH 1:* FLAGS`);
          for (const l of lines) {
            const announced = /^\* FLAGS \((.*)\)$/.exec(l);
            if (announced) for (const f of announced[1].split(' ')) told.add(f);
            const shown = /^\* \d+ FETCH \(.*FLAGS \(([^)]*)\)/.exec(l);
            if (!shown) continue;
            stats.fetches++;
            for (const f of shown[1].split(' ').filter((x) => x && !x.startsWith('\\'))) {
              stats.keywordsShown++;
              if (!told.has(f)) stats.unannounced.push(`${f} in ${l}`);
            }
          }
        }
      };
      const reading = Promise.all(readers.map(read));
      await Promise.all(writers.map(write));
      done = true;
      await reading;
      expect(stats.unannounced).toEqual([]);
      expect(stats.fetches).toBeGreaterThan(0);
      expect(stats.keywordsShown).toBeGreaterThan(0);
      for (const c of [...writers, ...readers]) c.close();
    } finally {
      await second.close();
    }
  });
});
