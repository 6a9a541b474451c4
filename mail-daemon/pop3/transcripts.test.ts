// Over 300 lines: one table of transcripts per RFC clause, with the shared harness and fixtures.
// POP3 transcripts: client line → expected server lines, over real TLS sockets against the
// real Postgres store, one table per RFC clause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';
import { COMMANDS } from './commands';
import { ALL_STATES } from './types';

let h: Pop3Harness;
let counter = 0;
const PASSWORD = 'correct horse battery';
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  h = await startPop3Harness({ cleartext: true, limits: { maxLine: 300 } });
});
afterAll(async () => {
  await h?.close();
});

/** A fresh user with the given messages in INBOX (default: `n` small ones). */
async function user(messages: Buffer[] | number = 0): Promise<{ address: string; mailboxId: string; sizes: number[] }> {
  const address = `p${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.imap.addUser(address, PASSWORD);
  const list = typeof messages === 'number' ? Array.from({ length: messages }, (_, i) => testMessage(`Message ${i + 1}`, `Body of message ${i + 1}.\r\n`)) : messages;
  for (const raw of list) await h.imap.deliver(mailboxId, raw);
  return { address, mailboxId, sizes: list.map((m) => m.length) };
}

async function connect(port = h.port, tls = true): Promise<Pop3Wire> {
  const c = await Pop3Wire.connect(port, { tls });
  expect(await c.line()).toBe('+OK Postern POP3 server ready');
  return c;
}

async function loggedIn(messages: Buffer[] | number = 0) {
  const u = await user(messages);
  const c = await connect();
  expect(await c.command(`USER ${u.address}`)).toBe('+OK Send the password');
  expect(await c.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in/);
  return { c, ...u };
}

type Step = [send: string, expect: (string | RegExp)[]];

/** Sends each line, reads as many lines as the step expects and matches them in order. */
async function run(c: Pop3Wire, steps: Step[]): Promise<void> {
  for (const [send, want] of steps) {
    c.write(`${send}\r\n`);
    const got: string[] = [];
    for (let i = 0; i < want.length; i++) got.push(await c.line().catch((e) => `(${(e as Error).message})`));
    const wrong = want.findIndex((w, i) => (typeof w === 'string' ? got[i] !== w : !w.test(got[i])));
    if (wrong >= 0) throw new Error(`after ${JSON.stringify(send)}: line ${wrong}: expected ${String(want[wrong])}, got:\n${got.join('\n')}`);
  }
}

const usedBytes = async (mailboxId: string) => Number((await h.imap.pool.query('SELECT used_bytes FROM mailboxes WHERE id = $1', [mailboxId])).rows[0].used_bytes);

describe('RFC 1939 §4 the AUTHORIZATION state (USER/PASS, RFC 3206 [AUTH])', () => {
  it('logs in with USER/PASS; bad passwords and unknown users get one generic [AUTH] answer', async () => {
    const u = await user(2);
    const c = await connect();
    await run(c, [
      ['PASS nothing', ['-ERR USER first']],
      [`USER nobody@example.com`, ['+OK Send the password']],
      ['PASS wrong', ['-ERR [AUTH] Authentication failed']],
      [`USER ${u.address}`, ['+OK Send the password']],
      ['PASS wrong', ['-ERR [AUTH] Authentication failed']],
      [`USER ${u.address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, [`+OK Logged in, 2 messages (${u.sizes[0] + u.sizes[1]} octets)`]],
      ['USER again', ['-ERR USER is not allowed in this state']],
      ['QUIT', ['+OK Postern POP3 server signing off (0 messages deleted)']],
    ]);
    await c.closedByServer();
  });

  it('a password with spaces is the rest of the PASS line; QUIT in AUTHORIZATION just signs off', async () => {
    const u = await user();
    const c = await connect();
    await run(c, [
      [`USER ${u.address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, ['+OK Logged in, 0 messages (0 octets)']],
    ]);
    c.close();
    const d = await connect();
    await run(d, [['quit', ['+OK Postern POP3 server signing off']]]);
    await d.closedByServer();
  });

  it('closes the connection after the third failed login', async () => {
    const c = await connect();
    await run(c, [
      ['USER a@example.com', ['+OK Send the password']],
      ['PASS x', ['-ERR [AUTH] Authentication failed']],
      ['USER a@example.com', ['+OK Send the password']],
      ['PASS x', ['-ERR [AUTH] Authentication failed']],
      ['USER a@example.com', ['+OK Send the password']],
      ['PASS x', ['-ERR [AUTH] Authentication failed']],
    ]);
    expect(await c.closedByServer()).toEqual([]);
  });
});

describe('RFC 5034 AUTH PLAIN (SASL, RFC 4616)', () => {
  it('with an initial response, with a continuation, cancelled, for another user, other mechanisms', async () => {
    const u = await user(1);
    const c = await connect();
    await run(c, [
      ['AUTH', ['+OK Mechanisms follow', 'PLAIN', '.']],
      ['AUTH CRAM-MD5', ['-ERR Unsupported authentication mechanism']],
      ['AUTH PLAIN', ['+ ']],
      ['*', ['-ERR Authentication cancelled']],
      ['AUTH PLAIN =', ['-ERR Invalid SASL PLAIN response']],
      ['AUTH PLAIN not!base64', ['-ERR Invalid SASL PLAIN response']],
      [`AUTH PLAIN ${b64(`other@example.com\0${u.address}\0${PASSWORD}`)}`, ['-ERR [AUTH] Cannot act as another user']],
      [`AUTH PLAIN ${b64(`\0${u.address}\0wrong`)}`, ['-ERR [AUTH] Authentication failed']],
      ['AUTH PLAIN', ['+ ']],
      [b64(`${u.address}\0${u.address}\0${PASSWORD}`), [`+OK Logged in, 1 messages (${u.sizes[0]} octets)`]],
      ['AUTH PLAIN', ['-ERR AUTH is not allowed in this state']],
    ]);
    c.close();
    const d = await connect();
    await run(d, [[`auth plain ${b64(`\0${u.address}\0${PASSWORD}`)}`, [/^\+OK Logged in/]]]);
    d.close();
  });
});

describe('RFC 1939 §5 the TRANSACTION state', () => {
  it('STAT, LIST, UIDL, NOOP, DELE, RSET: deleted messages are hidden until RSET', async () => {
    const { c, sizes, mailboxId } = await loggedIn(3);
    const total = sizes.reduce((a, b) => a + b, 0);
    const v = (await h.imap.pool.query<{ v: string }>(`SELECT uid_validity AS v FROM mail_folders WHERE mailbox_id = $1 AND name = 'INBOX'`, [mailboxId])).rows[0].v;
    await run(c, [
      ['STAT', [`+OK 3 ${total}`]],
      ['LIST', [`+OK 3 messages (${total} octets)`, `1 ${sizes[0]}`, `2 ${sizes[1]}`, `3 ${sizes[2]}`, '.']],
      ['LIST 2', [`+OK 2 ${sizes[1]}`]],
      ['LIST 4', ['-ERR No such message']],
      ['LIST 0', ['-ERR No such message']],
      ['LIST x', ['-ERR No such message']],
      ['UIDL', ['+OK Unique-id listing follows', `1 ${v}.1`, `2 ${v}.2`, `3 ${v}.3`, '.']],
      ['UIDL 3', [`+OK 3 ${v}.3`]],
      ['NOOP', ['+OK']],
      ['DELE 2', ['+OK Message 2 deleted']],
      ['DELE 2', ['-ERR Message 2 already deleted']],
      ['DELE 9', ['-ERR No such message']],
      ['STAT', [`+OK 2 ${sizes[0] + sizes[2]}`]],
      ['LIST', [`+OK 2 messages (${sizes[0] + sizes[2]} octets)`, `1 ${sizes[0]}`, `3 ${sizes[2]}`, '.']],
      ['LIST 2', ['-ERR No such message']],
      ['RETR 2', ['-ERR No such message']],
      ['UIDL 2', ['-ERR No such message']],
      ['RSET', [`+OK 3 messages (${total} octets)`]],
      ['LIST 2', [`+OK 2 ${sizes[1]}`]],
    ]);
    c.close();
  });

  it('RETR and TOP byte-stuff lines that begin with "." and end with CRLF.CRLF', async () => {
    const body = '.hidden line\r\n..two dots\r\nplain\r\n.\r\nlast';
    const raw = testMessage('Dots', body);
    const { c } = await loggedIn([raw]);
    const header = raw.toString('latin1').split('\r\n\r\n')[0].split('\r\n');
    await run(c, [
      ['RETR 1', [`+OK ${raw.length} octets`, ...header, '', '..hidden line', '...two dots', 'plain', '..', 'last', '.']],
      ['TOP 1 0', ['+OK Top of message follows', ...header, '', '.']],
      ['TOP 1 2', ['+OK Top of message follows', ...header, '', '..hidden line', '...two dots', '.']],
      ['TOP 1 99', ['+OK Top of message follows', ...header, '', '..hidden line', '...two dots', 'plain', '..', 'last', '.']],
      ['TOP 1', ['-ERR TOP takes a message number and a number of lines']],
      ['TOP 1 -1', ['-ERR TOP takes a message number and a number of lines']],
      ['TOP 2 1', ['-ERR No such message']],
    ]);
    c.close();
  });
});

describe('RFC 1939 §6 the UPDATE state', () => {
  it('QUIT removes the deleted messages in one go, gives the quota back, and UIDLs stay as they were', async () => {
    const { c, mailboxId, address, sizes } = await loggedIn(3);
    c.write('UIDL\r\n');
    expect(await c.line()).toBe('+OK Unique-id listing follows');
    const before = await c.multiline();
    const used = await usedBytes(mailboxId);
    await run(c, [
      ['DELE 1', ['+OK Message 1 deleted']],
      ['DELE 3', ['+OK Message 3 deleted']],
      ['QUIT', ['+OK Postern POP3 server signing off (2 messages deleted)']],
    ]);
    await c.closedByServer();
    expect(await usedBytes(mailboxId)).toBe(used - sizes[0] - sizes[2]);
    const d = await connect();
    await run(d, [
      [`USER ${address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, [`+OK Logged in, 1 messages (${sizes[1]} octets)`]],
      ['UIDL', ['+OK Unique-id listing follows', `1 ${before[1].split(' ')[1]}`, '.']],
    ]);
    d.close();
  });

  it('a connection that ends without QUIT deletes nothing and lets go of the lock', async () => {
    const { c, address, sizes } = await loggedIn(2);
    await run(c, [['DELE 1', ['+OK Message 1 deleted']]]);
    c.close();
    // The lock goes with the connection: a new session logs in (retried until the close is seen).
    let answer = '';
    for (let i = 0; i < 50 && !answer.startsWith('+OK'); i++) {
      const d = await connect();
      await d.command(`USER ${address}`);
      answer = await d.command(`PASS ${PASSWORD}`);
      d.close();
    }
    expect(answer).toBe(`+OK Logged in, 2 messages (${sizes[0] + sizes[1]} octets)`);
  });
});

describe('RFC 2449 CAPA, §4 line lengths, PIPELINING', () => {
  it('CAPA under TLS lists the credentials mechanisms, in both states', async () => {
    const caps = ['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'USER', 'SASL PLAIN', 'IMPLEMENTATION Postern', '.'];
    const c = await connect();
    await run(c, [['CAPA', caps]]);
    c.close();
    const { c: d } = await loggedIn(0);
    await run(d, [['CAPA', caps]]);
    d.close();
  });

  it('a line over the limit is refused whole and the next one is read clean', async () => {
    const c = await connect();
    await run(c, [
      [`USER ${'x'.repeat(400)}`, ['-ERR Line too long']],
      ['CAPA', ['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'USER', 'SASL PLAIN', 'IMPLEMENTATION Postern', '.']],
      ['FOO', ['-ERR Unknown command']],
    ]);
    c.close();
  });

  it('pipelined commands are answered in order', async () => {
    const u = await user(2);
    const c = await connect();
    c.write(`USER ${u.address}\r\nPASS ${PASSWORD}\r\nSTAT\r\nLIST 1\r\nDELE 1\r\nSTAT\r\nRSET\r\nQUIT\r\n`);
    const lines: string[] = [];
    for (let i = 0; i < 8; i++) lines.push(await c.line());
    expect(lines).toEqual([
      '+OK Send the password',
      expect.stringMatching(/^\+OK Logged in, 2 messages/),
      `+OK 2 ${u.sizes[0] + u.sizes[1]}`,
      `+OK 1 ${u.sizes[0]}`,
      '+OK Message 1 deleted',
      `+OK 1 ${u.sizes[1]}`,
      `+OK 2 messages (${u.sizes[0] + u.sizes[1]} octets)`,
      '+OK Postern POP3 server signing off (0 messages deleted)',
    ]);
  });

  it('every command is refused in every state it is not allowed in', async () => {
    const { c } = await loggedIn(1);
    const a = await connect();
    for (const state of ALL_STATES) {
      const client = state === 'authorization' ? a : c;
      for (const [name, command] of Object.entries(COMMANDS)) {
        if (command.states.includes(state)) continue;
        expect(await client.command(name), `${name} in ${state}`).toBe(`-ERR ${name} is not allowed in this state`);
      }
    }
    a.close();
    c.close();
  });
});

describe('RFC 2595 STLS on the cleartext port', () => {
  it('refuses credentials before TLS with [AUTH], offers STLS, and after it USER and SASL', async () => {
    const u = await user(1);
    const c = await connect(h.plainPort, false);
    await run(c, [
      ['CAPA', ['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'STLS', 'IMPLEMENTATION Postern', '.']],
      [`USER ${u.address}`, ['-ERR [AUTH] Authentication is only allowed over TLS: use STLS or port 995']],
      [`PASS ${PASSWORD}`, ['-ERR [AUTH] Authentication is only allowed over TLS: use STLS or port 995']],
      [`AUTH PLAIN ${b64(`\0${u.address}\0${PASSWORD}`)}`, ['-ERR [AUTH] Authentication is only allowed over TLS: use STLS or port 995']],
      ['STLS', ['+OK Begin TLS negotiation']],
    ]);
    await c.startTls();
    await run(c, [
      ['CAPA', ['+OK Capability list follows', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'USER', 'SASL PLAIN', 'IMPLEMENTATION Postern', '.']],
      ['STLS', ['-ERR Command not permitted when TLS active']],
      [`USER ${u.address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, [/^\+OK Logged in, 1 messages/]],
    ]);
    c.close();
  });

  it('cleartext pipelined after STLS is thrown away, never read as if it came under TLS', async () => {
    const c = await connect(h.plainPort, false);
    c.write('STLS\r\nCAPA\r\nQUIT\r\n');
    expect(await c.line()).toBe('+OK Begin TLS negotiation');
    await c.startTls();
    await run(c, [['NOOP', ['-ERR NOOP is not allowed in this state']]]);
    c.close();
  });

  it('STLS on the POP3S port is refused', async () => {
    const c = await connect();
    await run(c, [['STLS', ['-ERR Command not permitted when TLS active']]]);
    c.close();
  });
});

describe('RFC 2449 §8.1.2 [IN-USE]: one POP3 session per maildrop, in every process', () => {
  it('a second session gets [IN-USE] on the same server and on another; after QUIT the lock is free', async () => {
    const { c, address } = await loggedIn(1);
    const other = await h.secondServer();
    for (const port of [h.port, other.port]) {
      const d = await connect(port);
      await run(d, [
        [`USER ${address}`, ['+OK Send the password']],
        [`PASS ${PASSWORD}`, ['-ERR [IN-USE] Mailbox in use by another POP3 session']],
        [`AUTH PLAIN ${b64(`\0${address}\0${PASSWORD}`)}`, ['-ERR [IN-USE] Mailbox in use by another POP3 session']],
      ]);
      d.close();
    }
    await run(c, [['QUIT', [/^\+OK/]]]);
    await c.closedByServer();
    const e = await connect(other.port);
    await run(e, [
      [`USER ${address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, [/^\+OK Logged in, 1 messages/]],
    ]);
    e.close();
    await other.close();
  });

  it('twelve logins at once through two servers: exactly one gets the maildrop', async () => {
    const u = await user(1);
    const other = await h.secondServer();
    const clients = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(i % 2 ? other.port : h.port)));
    for (const c of clients) c.write(`USER ${u.address}\r\nPASS ${PASSWORD}\r\n`);
    const answers = await Promise.all(clients.map(async (c) => (await c.line(), c.line())));
    expect(answers.filter((a) => a.startsWith('+OK Logged in'))).toHaveLength(1);
    expect(answers.filter((a) => a === '-ERR [IN-USE] Mailbox in use by another POP3 session')).toHaveLength(11);
    for (const c of clients) c.close();
    await other.close();
  });

  it('a lock lost with its database connection ends the session with [SYS/TEMP], nothing deleted', async () => {
    const { c, mailboxId } = await loggedIn(1);
    await run(c, [['DELE 1', ['+OK Message 1 deleted']]]);
    await h.imap.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
    expect(await c.closedByServer()).toEqual(['-ERR [SYS/TEMP] Lost the maildrop lock, nothing was deleted']);
    expect(Number((await h.imap.pool.query('SELECT count(*) FROM mail_messages m JOIN mail_folders f ON f.id = m.folder_id WHERE f.mailbox_id = $1', [mailboxId])).rows[0].count)).toBe(1);
  });
});

describe('RFC 3206 §5 [SYS/TEMP]: the brute-force throttle is the one SMTP and IMAP share', () => {
  it('after five failed IMAP logins from this address even the right POP3 password is put off', async () => {
    const u = await user(1);
    const i = await WireClient.connect(h.imap.port, { tls: true });
    await i.line();
    for (let n = 0; n < 5; n++) expect((await i.command(`a${n} LOGIN ${u.address} wrong`)).at(-1)).toMatch(/^a\d NO /);
    i.close();
    const c = await connect();
    await run(c, [
      [`USER ${u.address}`, ['+OK Send the password']],
      [`PASS ${PASSWORD}`, ['-ERR [SYS/TEMP] Too many failed attempts, try again later']],
      [`AUTH PLAIN ${b64(`\0${u.address}\0${PASSWORD}`)}`, ['-ERR [SYS/TEMP] Too many failed attempts, try again later']],
    ]);
    c.close();
  });
});
