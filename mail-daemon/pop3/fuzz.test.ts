// Nothing a client sends takes the POP3 server down or reaches an internal failure: seeded
// random commands and arguments (and bytes) in both states, over TLS against the real store.
// Every line gets one +OK or -ERR (multi-line when the command's +OK is), none of them
// [SYS/TEMP] (a thrown error), and the session still works after.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testMessage } from '@/mail-daemon/testing/mailbox';
import { startPop3Harness, type Pop3Harness } from '@/mail-daemon/testing/pop3-harness';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';

const PASSWORD = 'fuzz password 1';
let h: Pop3Harness;
let counter = 0;

beforeAll(async () => {
  h = await startPop3Harness({ limits: { maxBadCommands: 100_000 } });
});
afterAll(() => h?.close());

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

// No USER/PASS/AUTH: failed logins would be throttled (and slowed) by design, not fuzzed here.
const KEYWORDS = ['STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'TOP', 'UIDL', 'CAPA', 'STLS', 'list', 'Retr', 'APOP', 'XTND', 'LAST', ''];
const TOKENS = ['1', '2', '3', '4', '0', '-1', '999999999', '1234567890', '00001', 'x', '', ' ', '.', '..', '\u00e9', '\0', '\t', '1 2', '=', '*', 'PLAIN', '1e3', '0x1'];

function line(rand: () => number): string {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  if (rand() < 0.05) return Array.from({ length: Math.floor(rand() * 40) }, () => String.fromCharCode(Math.floor(rand() * 255) + 1)).join('').replace(/[\r\n]/g, '');
  const args = Array.from({ length: Math.floor(rand() * 4) }, () => pick(TOKENS));
  return [pick(KEYWORDS), ...args].join(' ');
}

/** Whether a +OK to this line is followed by lines up to ".". */
function multi(sent: string): boolean {
  const [keyword, ...args] = sent.split(' ');
  const k = keyword.toUpperCase();
  return k === 'CAPA' || k === 'RETR' || k === 'TOP' || ((k === 'LIST' || k === 'UIDL') && args.length === 0);
}

async function fuzz(c: Pop3Wire, rand: () => number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const sent = line(rand);
    if (sent.trim().toUpperCase() === 'STLS') continue; // on POP3S it is refused; elsewhere it would start TLS
    const first = await c.command(sent);
    expect(first, `after ${JSON.stringify(sent)}`).toMatch(/^(\+OK|-ERR)( |$)/);
    expect(first, `after ${JSON.stringify(sent)}`).not.toContain('[SYS/TEMP]');
    if (first.startsWith('+OK') && multi(sent)) await c.multiline();
  }
}

for (const seed of [1, 7, 42, 2026]) {
  it(`seed ${seed}: both states, then the session still works`, async () => {
    const rand = rng(seed);
    const address = `fuzz${++counter}@example.com`;
    const mailboxId = await h.imap.addUser(address, PASSWORD);
    for (let i = 0; i < 3; i++) await h.imap.deliver(mailboxId, testMessage(`Fuzz ${i}`, `.line\r\nbody ${i}\r\n`));
    const c = await Pop3Wire.connect(h.port, { tls: true });
    await c.line();
    await fuzz(c, rand, 150);
    expect(await c.command(`USER ${address}`)).toBe('+OK Send the password');
    expect(await c.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in, 3 messages/);
    await fuzz(c, rand, 300);
    expect(await c.command('RSET')).toMatch(/^\+OK 3 messages/);
    expect(await c.command('QUIT')).toBe('+OK Postern POP3 server signing off (0 messages deleted)');
  });
}
