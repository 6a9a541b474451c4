// RFC 3516 BINARY on the wire: FETCH BINARY[part]<partial>, BINARY.PEEK, BINARY.SIZE with the
// content-transfer-encoding undone, literal8 when the decoded data holds NUL, [UNKNOWN-CTE], and
// APPEND with literal8 stored octet for octet. Real TLS sockets against the real Postgres store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapHarness, type ImapHarness } from '@/mail-daemon/testing/imap-harness';
import { ByteClient } from '@/mail-daemon/testing/imap-bytes';

let h: ImapHarness;
let counter = 0;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  h = await startImapHarness();
});
afterAll(async () => {
  await h?.close();
});

const OCTETS = Buffer.from([0x00, 0x01, 0x02, 0xff, 0x00, 0x0a, 0x0d, 0x41]);

/** Parts: 1 quoted-printable text, 2 base64 octets with NUL, 3 7bit text, 4 x-uuencode, 5 message/rfc822 holding a base64 part. */
const MESSAGE = Buffer.from(
  'From: a@example.com\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
    '--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 soft=\r\nbreak=3D\r\n' +
    `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${OCTETS.toString('base64')}\r\n` +
    '--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n' +
    '--b\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n' +
    '--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n' +
    '--b--\r\n',
  'latin1',
);

async function session(deliver = true): Promise<ByteClient> {
  const address = `bin${++counter}-${Date.now()}@example.com`;
  const mailboxId = await h.addUser(address, PASSWORD);
  if (deliver) await h.deliver(mailboxId, MESSAGE);
  const c = await ByteClient.connect(h.port);
  expect((await c.command(`L LOGIN ${address} "${PASSWORD}"`)).toString()).toMatch(/L OK/);
  expect((await c.command('S SELECT INBOX')).toString()).toMatch(/S OK/);
  return c;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
const concat = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? bytes(p) : p)));

describe('RFC 3516 4.2 FETCH BINARY[section-binary]<partial>', () => {
  const table: [fetch: string, response: Buffer][] = [
    ['BINARY.PEEK[1]', concat('* 1 FETCH (BINARY[1] {16}\r\n', Buffer.from('café softbreak=', 'utf8'), ')\r\n')],
    ['BINARY.PEEK[2]', concat(`* 1 FETCH (BINARY[2] ~{${OCTETS.length}}\r\n`, OCTETS, ')\r\n')],
    ['BINARY.PEEK[2]<1.3>', concat('* 1 FETCH (BINARY[2]<1> {3}\r\n', OCTETS.subarray(1, 4), ')\r\n')],
    ['BINARY.PEEK[2]<3.2>', concat('* 1 FETCH (BINARY[2]<3> ~{2}\r\n', OCTETS.subarray(3, 5), ')\r\n')],
    ['BINARY.PEEK[3]', concat('* 1 FETCH (BINARY[3] {5}\r\nplain)\r\n')],
    ['BINARY.PEEK[5.1]', concat('* 1 FETCH (BINARY[5.1] {5}\r\nhello)\r\n')],
    ['BINARY.PEEK[9]', concat('* 1 FETCH (BINARY[9] NIL)\r\n')],
  ];
  it.each(table)('FETCH 1 %s', async (item, response) => {
    const c = await session();
    const got = await c.command(`F FETCH 1 (${item})`);
    expect(got.toString('latin1')).toBe(concat(response, 'F OK FETCH completed\r\n').toString('latin1'));
    c.close();
  });

  it('BINARY[] of the whole message is the message as stored', async () => {
    const c = await session();
    const got = await c.command('F FETCH 1 (BINARY.PEEK[])');
    expect(got.equals(concat(`* 1 FETCH (BINARY[] {${MESSAGE.length}}\r\n`, MESSAGE, ')\r\nF OK FETCH completed\r\n'))).toBe(true);
    c.close();
  });

  it('BINARY sets \\Seen and reports FLAGS; BINARY.PEEK does not', async () => {
    const c = await session();
    expect((await c.command('P FETCH 1 (BINARY.PEEK[3] FLAGS)')).toString()).toContain('FLAGS (\\Recent)');
    expect((await c.command('F FETCH 1 (BINARY[3])')).toString()).toBe('* 1 FETCH (BINARY[3] {5}\r\nplain FLAGS (\\Seen \\Recent))\r\nF OK FETCH completed\r\n');
    c.close();
  });

  it('an unknown content-transfer-encoding fails the FETCH with NO [UNKNOWN-CTE]', async () => {
    const c = await session();
    expect((await c.command('F FETCH 1 (BINARY.PEEK[4])')).toString()).toMatch(/^F NO \[UNKNOWN-CTE\] /);
    expect((await c.command('G FETCH 1 (BINARY.SIZE[4])')).toString()).toMatch(/^G NO \[UNKNOWN-CTE\] /);
    // BODY[] still serves the encoded part.
    expect((await c.command('B FETCH 1 (BODY.PEEK[4])')).toString()).toContain('BODY[4] {11}\r\nbegin 644 x)');
    c.close();
  });

  it.each([
    ['BINARY[1.TEXT]', 'section text is not part of section-binary'],
    ['BINARY[HEADER]', 'no header sections'],
    ['BINARY.SIZE[1]<0.4>', 'no partial for BINARY.SIZE'],
    ['BINARY[1]<0>', 'partial needs a length'],
  ])('FETCH 1 %s is BAD (%s)', async (item) => {
    const c = await session();
    expect((await c.command(`F FETCH 1 (${item})`)).toString()).toMatch(/^F BAD /);
    c.close();
  });
});

describe('RFC 3516 4.3 FETCH BINARY.SIZE[section-binary]', () => {
  it('the size BINARY would send, for each part', async () => {
    const c = await session();
    const got = await c.command('F FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2] BINARY.SIZE[3] BINARY.SIZE[5.1])');
    expect(got.toString()).toBe(`* 1 FETCH (BINARY.SIZE[1] 16 BINARY.SIZE[2] ${OCTETS.length} BINARY.SIZE[3] 5 BINARY.SIZE[5.1] 5)\r\nF OK FETCH completed\r\n`);
    c.close();
  });

  it('agrees with the bytes BINARY serves', async () => {
    const c = await session();
    for (const part of ['1', '2', '3', '5.1']) {
      const size = /BINARY\.SIZE\[[\d.]+\] (\d+)/.exec((await c.command(`S FETCH 1 (BINARY.SIZE[${part}])`)).toString())![1];
      expect((await c.command(`B FETCH 1 (BINARY.PEEK[${part}])`)).toString('latin1')).toMatch(new RegExp(`BINARY\\[${part}\\] ~?\\{${size}\\}\\r\\n`));
    }
    c.close();
  });
});

describe('RFC 3516 4.4 APPEND with literal8', () => {
  // A binary body: CR and LF octets and NULs as data, no transfer encoding.
  const BODY = Buffer.from([0x00, 0x0a, 0x41, 0x0d, 0x00, 0x0d, 0x0a, 0xfe]);
  const RAW = concat('From: a@example.com\r\nSubject: bin\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n', BODY);

  it('synchronizing ~{n}: "+", then stored octet for octet; BINARY[1] gives the body back as literal8', async () => {
    const c = await session(false);
    c.write(`A APPEND INBOX ~{${RAW.length}}\r\n`);
    expect((await c.response('+')).toString()).toMatch(/^\+ /);
    c.write(concat(RAW, '\r\n'));
    expect((await c.response('A')).toString()).toMatch(/^A OK \[APPENDUID \d+ 1\] /m);
    expect((await c.command('F FETCH 1 (BINARY.PEEK[1] RFC822.SIZE)')).equals(concat(`* 1 FETCH (BINARY[1] ~{${BODY.length}}\r\n`, BODY, ` RFC822.SIZE ${RAW.length})\r\nF OK FETCH completed\r\n`))).toBe(true);
    c.close();
  });

  it('BODY[] returns the stored message, its NULs as 0x80 in a plain literal (RFC 3501 9), length kept', async () => {
    const c = await session(false);
    c.write(concat(`A APPEND INBOX (\\Seen) ~{${RAW.length}+}\r\n`, RAW, '\r\n'));
    expect((await c.response('A')).toString()).toMatch(/^A OK \[APPENDUID \d+ 1\] /m);
    await c.command('N NOOP');
    const served = Buffer.from(RAW);
    for (let i = 0; i < served.length; i++) if (served[i] === 0) served[i] = 0x80;
    expect((await c.command('F FETCH 1 (BODY.PEEK[])')).equals(concat(`* 1 FETCH (BODY[] {${RAW.length}}\r\n`, served, ')\r\nF OK FETCH completed\r\n'))).toBe(true);
    c.close();
  });

  it('a plain {n} literal still has its line ends made CRLF', async () => {
    const c = await session(false);
    const lf = bytes('Subject: lf\n\nline\n');
    c.write(concat(`A APPEND INBOX {${lf.length}+}\r\n`, lf, '\r\n'));
    await c.response('A');
    await c.command('N NOOP');
    expect((await c.command('F FETCH 1 (RFC822.SIZE)')).toString()).toContain('RFC822.SIZE 21');
    c.close();
  });

  it('literal8 outside message data is BAD', async () => {
    const c = await session(false);
    c.write('A CREATE ~{3+}\r\nabc\r\n');
    expect((await c.response('A')).toString()).toMatch(/^A BAD /);
    c.close();
  });
});
