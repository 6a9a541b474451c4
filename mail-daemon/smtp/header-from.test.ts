// Policy requireHeaderFromOwned (schema default off; new installs store it on): an authenticated submission's header From: (and
// the Sender: RFC 5322 §3.6.2 requires with several From: addresses) must be the user's own
// addresses (backend.ownsAddress, the MAIL FROM rule), else 550 5.7.1 at the end of DATA
// (RFC 5321 §4.3.2 "rejections for policy reasons", RFC 3463 5.7.1).
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import type { TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD } from '@/mail-daemon/testing/directory';
import { RawSmtp, seededSmtpWorld, submissionSession, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let db: TestDatabase;
let smtp: RunningSmtp;

seededSmtpWorld(
  (w) => ({ db, smtp } = w),
  async (d) => {
    await updatePolicy(d.prisma, SYSTEM, { domainId: null, settings: { requireHeaderFromOwned: true } });
  },
);

/** Header lines + body, CRLF. */
const message = (...header: string[]) => Buffer.from(`${header.join('\r\n')}\r\nSubject: t\r\n\r\nHello.\r\n`, 'utf8');

async function submit(header: string[], user = 'alice@example.test'): Promise<{ code: number; text: string }> {
  const c = await submissionSession(smtp.ports.submission, user, PASSWORD);
  try {
    await transcript(c, [[`MAIL FROM:<${user}>`, 250], ['RCPT TO:<dave@example.test>', 250], ['DATA', 354]]);
    c.write(Buffer.concat([message(...header), Buffer.from('.\r\n')]));
    return await c.read();
  } finally {
    c.close();
  }
}

type Row = [name: string, header: string[], code: number];

describe('RFC 5322 §3.6.2 From: of authenticated submissions (requireHeaderFromOwned on)', () => {
  const rows: Row[] = [
    ['own address', ['From: alice@example.test'], 250],
    ['own address with a display name', ['From: "Alice A." <alice@example.test>'], 250],
    ['own address, other case', ['From: Alice <ALICE@Example.Test>'], 250],
    ['own subaddress (RFC 5233)', ['From: <alice+news@example.test>'], 250],
    ['an alias to the user', ['From: Sales <sales@example.test>'], 250],
    ['folded From: field', ['From: "Alice"\r\n <alice@example.test>'], 250],
    ['another local mailbox', ['From: dave@example.test'], 550],
    ['a mailbox of another domain', ['From: <carol@other.test>'], 550],
    ['a foreign address', ['From: ceo@bank.example'], 550],
    ['own display name, foreign address', ['From: "alice@example.test" <ceo@bank.example>'], 550],
    ['an alias that leads to the user among others (the MAIL FROM rule)', ['From: team@example.test'], 250],
    ['a catch-all address of another domain', ['From: anyone@other.test'], 550],
    ['no From: at all', ['To: dave@example.test'], 550],
    ['two From: fields, the second forged', ['From: alice@example.test', 'From: dave@example.test'], 550],
    ['group syntax, no mailbox', ['From: undisclosed-recipients:;'], 550],
    ['no domain', ['From: alice'], 550],
  ];
  it.each(rows)('%s', async (_name, header, code) => {
    const r = await submit(header);
    expect(r.code).toBe(code);
    if (code === 550) expect(r.text.startsWith('5.7.1 ')).toBe(true);
  });
});

describe('RFC 5322 §3.6.2 several From: addresses need a Sender:, and every one is checked', () => {
  const rows: Row[] = [
    ['two own addresses with own Sender:', ['From: alice@example.test, sales@example.test', 'Sender: alice@example.test'], 250],
    ['two own addresses without Sender:', ['From: alice@example.test, sales@example.test'], 550],
    ['own and foreign author, own Sender:', ['From: alice@example.test, dave@example.test', 'Sender: alice@example.test'], 550],
    ['own authors, foreign Sender:', ['From: alice@example.test, sales@example.test', 'Sender: dave@example.test'], 550],
    ['Sender: listing two mailboxes', ['From: alice@example.test, sales@example.test', 'Sender: alice@example.test, sales@example.test'], 550],
    ['one From:, own Sender:', ['From: alice@example.test', 'Sender: alice@example.test'], 250],
    ['one own From:, foreign Sender:', ['From: alice@example.test', 'Sender: ceo@bank.example'], 550],
  ];
  it.each(rows)('%s', async (_name, header, code) => expect((await submit(header)).code).toBe(code));
});

describe('scope: only authenticated submissions, and only while the policy is on', () => {
  it('MX mail from strangers is not checked (their From: is theirs to set)', async () => {
    const { client } = await RawSmtp.connect(smtp.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<x@remote.test>', 250], ['RCPT TO:<alice@example.test>', 250], ['DATA', 354]]);
    client.write(Buffer.concat([message('From: dave@example.test'), Buffer.from('.\r\n')]));
    expect((await client.read()).code).toBe(250);
    client.close();
  });

  it('policy off: a foreign From: is accepted; on again: refused', async () => {
    await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { requireHeaderFromOwned: false } });
    try {
      // Each session takes its policy snapshot at connect; wait for the NOTIFY to arrive.
      await expect.poll(async () => (await submit(['From: ceo@bank.example'])).code, { timeout: 5000, interval: 50 }).toBe(250);
    } finally {
      await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings: { requireHeaderFromOwned: true } });
    }
    await expect.poll(async () => (await submit(['From: ceo@bank.example'])).code, { timeout: 5000, interval: 50 }).toBe(550);
  });
});
