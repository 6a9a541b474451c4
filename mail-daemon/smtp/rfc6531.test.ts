// RFC 6531 §3.5: a non-ASCII (UTF-8) address in MAIL FROM or RCPT TO without the SMTPUTF8
// parameter on MAIL → 553 5.6.7; with it, the address goes on to the ordinary checks.
// Real service, real database, loopback sockets.
import { describe, expect, it } from 'vitest';
import { RawSmtp, seededSmtpWorld, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';
import { needsSmtpUtf8 } from './checks';

let smtp: RunningSmtp;

seededSmtpWorld((w) => ({ smtp } = w));

type Row = [name: string, steps: [string, number][], enhanced?: string];

async function run(steps: [string, number][], enhanced?: string) {
  const { client } = await RawSmtp.connect(smtp.ports.mx);
  try {
    const replies = await transcript(client, [['EHLO client.test', 250], ...steps]);
    if (enhanced) expect(replies[replies.length - 1].text.startsWith(enhanced + ' ')).toBe(true);
  } finally {
    client.close();
  }
}

describe('RFC 6531 §3.5: UTF-8 addresses without SMTPUTF8 → 553 5.6.7', () => {
  const rows: Row[] = [
    ['UTF-8 local part in MAIL FROM', [['MAIL FROM:<jörg@remote.test>', 553]], '5.6.7'],
    ['UTF-8 local part in RCPT TO', [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<jörg@example.test>', 553]], '5.6.7'],
    ['CJK local part in RCPT TO', [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<用户@example.test>', 553]], '5.6.7'],
    ['a refused RCPT leaves the transaction open', [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<jörg@example.test>', 553], ['RCPT TO:<alice@example.test>', 250]]],
    ['ASCII addresses need nothing (control)', [['MAIL FROM:<sender@remote.test>', 250], ['RCPT TO:<alice@example.test>', 250]]],
    ['an A-label domain is ASCII: no SMTPUTF8 needed (relay refusal instead)', [['MAIL FROM:<sender@xn--bcher-kva.test>', 250], ['RCPT TO:<a@xn--bcher-kva.test>', 554]]],
  ];
  it.each(rows)('%s', async (_name, steps, enhanced) => run(steps, enhanced));

  it('EHLO lists SMTPUTF8', async () => {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    expect((await client.cmd('EHLO client.test')).lines).toContain('SMTPUTF8');
    client.close();
  });
});

describe('RFC 6531 §3.4: with SMTPUTF8 on MAIL, UTF-8 addresses are accepted', () => {
  const rows: Row[] = [
    ['UTF-8 local part in MAIL FROM', [['MAIL FROM:<jörg@remote.test> SMTPUTF8', 250]]],
    ['UTF-8 RCPT TO reaches the directory (unknown here: 550 5.1.1, not 553)', [['MAIL FROM:<sender@remote.test> SMTPUTF8', 250], ['RCPT TO:<jörg@example.test>', 550]], '5.1.1'],
    ['RSET forgets SMTPUTF8', [['MAIL FROM:<jörg@remote.test> SMTPUTF8', 250], ['RSET', 250], ['MAIL FROM:<jörg@remote.test>', 553]], '5.6.7'],
  ];
  it.each(rows)('%s', async (_name, steps, enhanced) => run(steps, enhanced));
});

describe('needsSmtpUtf8: the local part decides (smtp-server shows A-label domains as U-labels)', () => {
  it.each([
    ['alice@example.test', false],
    ['jörg@example.test', true],
    ['alice@bücher.test', false],
    ['', false],
    ['postmaster', false],
  ] as const)('%s → %s', (address, want) => expect(needsSmtpUtf8(address)).toBe(want));
});
