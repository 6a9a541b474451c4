// NUL octets in DATA: refused at the end of DATA with 554 5.6.0, never stored, never stripped.
// RFC 5322 §3.5 (text excludes %d0), RFC 2045 §2.7/§2.8 (neither 7bit nor 8bit data may hold NUL;
// only RFC 3030 BINARYMIME, not offered, could), RFC 5321 §4.3.2 (554 after DATA), RFC 3463 5.6.0.
// Real service, real database, loopback sockets.
import { describe, expect, it } from 'vitest';
import { RawSmtp, seededSmtpWorld, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let smtp: RunningSmtp;

seededSmtpWorld((w) => ({ smtp } = w));

async function countMessages(): Promise<number> {
  const r = await smtp.pool.query<{ n: string }>('SELECT count(*) AS n FROM mail_messages');
  return Number(r.rows[0].n);
}

/** One MX transaction to alice; returns the reply to the end of DATA. */
async function send(client: RawSmtp, message: Buffer) {
  await transcript(client, [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
  client.write(Buffer.concat([message, Buffer.from('.\r\n')]));
  return client.read();
}

const msg = (s: string) => Buffer.from(s, 'latin1');

describe('RFC 5322 §3.5 / RFC 2045 §2.8: NUL in message data → 554 5.6.0 at end of DATA', () => {
  const cases: [name: string, message: Buffer, code: number, enhanced: string | null][] = [
    ['no NUL (control)', msg('Subject: ok\r\n\r\nHello.\r\n'), 250, '2.6.0'],
    ['NUL in the body', msg('Subject: body\r\n\r\nHel\0lo.\r\n'), 554, '5.6.0'],
    ['NUL in a header field', msg('Subject: he\0ader\r\n\r\nHello.\r\n'), 554, '5.6.0'],
    ['NUL as the first octet', msg('\0Subject: first\r\n\r\nHello.\r\n'), 554, '5.6.0'],
    ['NUL right before the final CRLF', msg('Subject: last\r\n\r\nHello.\0\r\n'), 554, '5.6.0'],
    ['a line of NULs only', msg('Subject: line\r\n\r\n\0\0\0\0\r\n'), 554, '5.6.0'],
    ['8bit text without NUL is still accepted (RFC 6152)', msg('Subject: 8bit\r\n\r\nGr\xfc\xdfe\r\n'), 250, '2.6.0'],
    ['bare LF and NUL: the smuggling reply wins (RFC 5321 §2.3.8)', msg('Subject: both\r\n\r\nA\0\nB\r\n'), 550, '5.5.2'],
  ];
  it.each(cases)('%s', async (_name, message, code, enhanced) => {
    const before = await countMessages();
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await transcript(client, [['EHLO client.test', 250]]);
    const r = await send(client, message);
    expect(r.code).toBe(code);
    if (enhanced) expect(r.text.startsWith(enhanced + ' ')).toBe(true);
    expect(await countMessages()).toBe(before + (code === 250 ? 1 : 0));
    client.close();
  });

  it('a NUL in one split across TCP writes is found too', async () => {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    client.write(msg(`Subject: split\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(200)));
    client.write(msg('tail \0\r\n.\r\n'));
    const r = await client.read();
    expect([r.code, r.text.slice(0, 5)]).toEqual([554, '5.6.0']);
    client.close();
  });

  it('the session goes on: the next transaction on the same connection is accepted', async () => {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await transcript(client, [['EHLO client.test', 250]]);
    expect((await send(client, msg('Subject: a\r\n\r\n\0\r\n'))).code).toBe(554);
    expect((await send(client, msg('Subject: b\r\n\r\nfine\r\n'))).code).toBe(250);
    client.close();
  });
});
