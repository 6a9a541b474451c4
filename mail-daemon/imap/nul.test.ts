// RFC 3501 §4.3 + §9 (literal = "{" number "}" CRLF *CHAR8, CHAR8 = %x01-ff) and RFC 9051 §4.3:
// no NUL inside a literal. Stored mail may hold NULs (APPEND, mail stored before SMTP refused
// them); FETCH serves each as 0x80 (Dovecot's choice), same length, stored bytes untouched.
// Real TLS sockets against the real Postgres store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { WireClient } from '@/mail-daemon/testing/imap-wire';
import { toBytes, untagged, withoutNul, WireBuilder } from './protocol/encode';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness({ cleartext: true });
});
afterAll(async () => {
  await h?.close();
});

// NULs in the body only: a NUL in a parsed header value cannot be stored yet (the MIME index is
// jsonb, which refuses \u0000; APPEND answers NO [SERVERBUG]) — lib/mime's to fix, not served here.
const RAW = Buffer.from('From: a@example.com\r\nSubject: nul\r\n\r\nbody \0 with\0\0NULs\r\n', 'latin1');

async function session(deliver?: Buffer): Promise<{ c: WireClient; mailboxId: string }> {
  const address = `nul${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  if (deliver) await h.deliver(mailboxId, deliver);
  const c = await WireClient.connect(h.port, { tls: true });
  await c.line();
  expect((await c.command(`L LOGIN ${address} "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
  expect((await c.command('S SELECT INBOX')).at(-1)).toMatch(/^S OK/);
  return { c, mailboxId };
}

/** The FETCH response line (literals inline) for one item. */
async function fetch(c: WireClient, item: string): Promise<string> {
  const lines = await c.command(`F FETCH 1 (${item})`);
  expect(lines.at(-1)).toMatch(/^F OK/);
  return lines.filter((l) => l.startsWith('* 1 FETCH')).join('\n');
}

describe('RFC 3501 §4.3 / §9 CHAR8: literals never carry NUL', () => {
  const items: [item: string, literalLength: number | null][] = [
    ['BODY.PEEK[]', RAW.length],
    ['BODY.PEEK[TEXT]', Buffer.from('body \0 with\0\0NULs\r\n', 'latin1').length],
    ['BODY.PEEK[1]', null],
    ['BODY.PEEK[]<40.12>', 12],
    ['RFC822', RAW.length],
    ['RFC822.TEXT', null],
  ];
  it.each(items)('stored NUL, FETCH %s: served as 0x80, length kept', async (item, literalLength) => {
    const { c } = await session(RAW);
    const line = await fetch(c, item);
    expect(line).not.toContain('\0');
    expect(line).toContain('\ufffd'); // 0x80 is no UTF-8 on its own: the client's decoder shows U+FFFD
    if (literalLength !== null) expect(line).toMatch(new RegExp(`\\{${literalLength}\\}\\r\\n`));
    c.close();
  });

  it('RFC822.SIZE equals the bytes served for BODY[]', async () => {
    const { c } = await session(RAW);
    expect(await fetch(c, 'RFC822.SIZE')).toContain(`RFC822.SIZE ${RAW.length}`);
    expect(await fetch(c, 'BODY.PEEK[]')).toContain(`{${RAW.length}}`);
    c.close();
  });

  it('APPEND of a message with NUL is stored; FETCH serves it without NUL', async () => {
    const { c } = await session();
    c.write(`A APPEND INBOX {${RAW.length}}\r\n`);
    expect(await c.line()).toMatch(/^\+ /);
    c.write(Buffer.concat([RAW, Buffer.from('\r\n')]));
    expect((await c.until('A')).at(-1)).toMatch(/^A OK \[APPENDUID \d+ 1\]/);
    expect((await c.command('N NOOP')).at(-1)).toMatch(/^N OK/);
    const line = await fetch(c, 'BODY.PEEK[]');
    expect(line).not.toContain('\0');
    expect(line).toContain(`{${RAW.length}}`);
    c.close();
  });
});

describe('withoutNul / WireBuilder.literal: the bytes on the wire', () => {
  it.each([
    ['no NUL: the same buffer, no copy', Buffer.from('abc'), Buffer.from('abc')],
    ['NULs become 0x80', Buffer.from([0x61, 0, 0x62, 0, 0]), Buffer.from([0x61, 0x80, 0x62, 0x80, 0x80])],
    ['leading NUL', Buffer.from([0, 0x0d, 0x0a]), Buffer.from([0x80, 0x0d, 0x0a])],
  ])('%s', (_name, input, want) => {
    const copy = Buffer.from(input);
    expect(withoutNul(input).equals(want)).toBe(true);
    expect(input.equals(copy)).toBe(true); // the caller's (stored) bytes are not changed
    if (!input.includes(0)) expect(withoutNul(input)).toBe(input);
  });

  it('a literal and a string with NUL are written NUL-free, announced length unchanged', () => {
    expect(toBytes(new WireBuilder().literal(Buffer.from('a\0b')).done()).equals(Buffer.from('{3}\r\na\x80b\r\n', 'latin1'))).toBe(true);
    expect(toBytes(untagged('x\0y')).equals(Buffer.from('* {3}\r\nx\x80y\r\n', 'latin1'))).toBe(true);
  });
});
