// The POP3 listener's bounds on the wire, each with limits small enough to reach: connections
// per address, the time before login, a line sent too slowly, bad commands, a long pipeline,
// and a message larger than the socket's buffers (RETR waits for the client to read).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';

let h: Pop3Harness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startPop3Harness({
    limits: {
      maxConnectionsPerIp: 3,
      lineTransfer: { graceMs: 200, minBytesPerSecond: 1000, maxMs: 1000 },
      maxBadCommands: 5,
      maxQueued: 8,
    },
  });
});
afterAll(async () => {
  await h?.close();
});

async function loggedIn(messages: Buffer[]) {
  const address = `limit${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.imap.addUser(address, PASSWORD);
  for (const raw of messages) await h.imap.deliver(mailboxId, raw);
  const c = await Pop3Wire.connect(h.port, { tls: true });
  await c.line();
  await c.command(`USER ${address}`);
  expect(await c.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in/);
  return c;
}

it('refuses a connection over the per-address limit with [SYS/TEMP], after the handshake', async () => {
  const held = await Promise.all([0, 1, 2].map(() => Pop3Wire.connect(h.port, { tls: true })));
  for (const c of held) expect(await c.line()).toBe('+OK Postern POP3 server ready');
  const extra = await Pop3Wire.connect(h.port, { tls: true });
  expect(await extra.closedByServer()).toEqual(['-ERR [SYS/TEMP] Too many connections from your address']);
  for (const c of held) c.close();
  // The next test needs the slots back: wait until the server has seen every close.
  while (h.server.connectionCount > 0) await new Promise<void>((resolve) => setImmediate(resolve));
});

it('closes a connection that does not log in in time', async () => {
  // A server of its own: a short time before login would cut the other tests' logins on a loaded machine.
  const quick = await h.secondServer({ preauthTimeoutMs: 500 });
  const c = await Pop3Wire.connect(quick.port, { tls: true });
  expect(await c.line()).toBe('+OK Postern POP3 server ready');
  expect(await c.closedByServer()).toEqual(['-ERR Autologout: idle for too long']);
  await quick.close();
});

it('cuts a command line that arrives too slowly, though each byte resets the idle timer', async () => {
  const c = await Pop3Wire.connect(h.port, { tls: true });
  await c.line();
  c.write('USER ');
  const drip = setInterval(() => c.write('x'), 100);
  try {
    expect(await c.closedByServer()).toEqual(['-ERR Command line too slow']);
  } finally {
    clearInterval(drip);
  }
});

it('closes the connection after too many bad commands', async () => {
  const c = await Pop3Wire.connect(h.port, { tls: true });
  await c.line();
  c.write('FOO\r\nBAR\r\nSTAT\r\nBAZ\r\nQUX\r\nCAPA\r\n');
  expect(await c.closedByServer()).toEqual([
    '-ERR Unknown command',
    '-ERR Unknown command',
    '-ERR STAT is not allowed in this state',
    '-ERR Unknown command',
    '-ERR Unknown command',
    '-ERR Too many bad commands, closing',
  ]);
});

it('answers a pipeline far longer than the queue bound, in order', async () => {
  const c = await loggedIn([testMessage('One')]);
  const n = 300;
  c.write(Array.from({ length: n }, (_, i) => (i % 2 ? 'NOOP\r\n' : 'LIST 1\r\n')).join(''));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(await c.line());
  expect(lines.filter((l, i) => l !== (i % 2 ? '+OK' : `+OK 1 ${testMessage('One').length}`))).toEqual([]);
  c.close();
});

it('RETR of a 6 MB message serves exactly its bytes, stuffed, to a client reading as it goes', async () => {
  const line = `.${'y'.repeat(70)}\r\n`;
  const raw = testMessage('Big', line.repeat(Math.ceil((6 * 1024 * 1024) / line.length)));
  const c = await loggedIn([raw]);
  expect(await c.command('RETR 1')).toBe(`+OK ${raw.length} octets`);
  const body = await c.multiline();
  expect(body.at(-1)).toBe('.');
  const unstuffed = body.slice(0, -1).map((l) => (l.startsWith('.') ? l.slice(1) : l));
  expect(Buffer.from(`${unstuffed.join('\r\n')}\r\n`, 'latin1').equals(raw)).toBe(true);
  c.close();
});
