// Abuse limits on authenticated senders (policy sendMessagesPerHour, sendRecipientsPerDay):
// past a limit submission answers 451 4.7.1, once-an-hour audit row; counts come from the
// receipts in Postgres, so every daemon enforces the same budget.
import { describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { updatePolicy } from '@/lib/policy';
import { countSendLimited } from '@/lib/queue';
import type { TestDatabase } from '@/mail-daemon/testing/database';
import { PASSWORD } from '@/mail-daemon/testing/directory';
import { seededSmtpWorld, submissionSession, transcript, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let db: TestDatabase;
let smtp: RunningSmtp;

seededSmtpWorld((w) => ({ db, smtp } = w));

async function limits(settings: Record<string, number>) {
  await updatePolicy(db.prisma, SYSTEM, { domainId: null, settings });
  // The NOTIFY reaches the policy cache asynchronously; the next MAIL must see the new limits.
  await new Promise((r) => setTimeout(r, 200));
}

async function send(user: string, rcpts: string[]): Promise<number[]> {
  const c = await submissionSession(smtp.ports.submission, user, PASSWORD);
  const codes: number[] = [];
  const mail = await c.cmd(`MAIL FROM:<${user}>`);
  codes.push(mail.code);
  if (mail.code === 250) {
    for (const r of rcpts) codes.push((await c.cmd(`RCPT TO:<${r}>`)).code);
    if (codes.slice(1).some((x) => x === 250)) {
      await transcript(c, [['DATA', 354]]);
      codes.push((await c.cmd('Subject: limit\r\n\r\nhello\r\n.')).code);
    }
  }
  c.close();
  return codes;
}

describe('send limits', () => {
  it('messages per hour: the message past the limit gets 451 4.7.1 at MAIL, and one audit row', async () => {
    await limits({ sendMessagesPerHour: 2, sendRecipientsPerDay: 0 });
    try {
      expect(await send('dave@example.test', ['a@remote.test'])).toEqual([250, 250, 250]);
      expect(await send('dave@example.test', ['b@remote.test'])).toEqual([250, 250, 250]);
      const c = await submissionSession(smtp.ports.submission, 'dave@example.test', PASSWORD);
      const refused = await c.cmd('MAIL FROM:<dave@example.test>');
      expect([refused.code, refused.text]).toEqual([451, '4.7.1 Sending limit reached, try again later']);
      expect((await c.cmd('MAIL FROM:<dave@example.test>')).code).toBe(451);
      c.close();
      const rows = await db.prisma.auditLog.findMany({ where: { action: 'mailbox.send_limit_reached', target: 'dave@example.test' } });
      expect(rows).toHaveLength(1);
      expect(rows[0].after).toEqual({ limit: 'messages_per_hour', value: 2 });
      // The dashboard counts the mailbox (a domain admin of another domain does not see it).
      expect(await countSendLimited(db.prisma, SYSTEM)).toBe(1);
      const other = await db.prisma.domain.findUniqueOrThrow({ where: { name: 'other.test' } });
      expect(await countSendLimited(db.prisma, { kind: 'admin', id: 'x', email: 'a@other.test', role: 'DOMAIN', domainIds: [other.id] })).toBe(0);
      // Another mailbox has its own budget.
      expect(await send('alice@example.test', ['c@remote.test'])).toEqual([250, 250, 250]);
    } finally {
      await limits({});
    }
  });

  it('recipients per day: counted across messages and within the transaction', async () => {
    await limits({ sendMessagesPerHour: 0, sendRecipientsPerDay: 3 });
    try {
      expect(await send('carol@other.test', ['a@remote.test', 'b@remote.test'])).toEqual([250, 250, 250, 250]);
      // One more recipient fits; the second is refused, the message still goes to the first.
      expect(await send('carol@other.test', ['c@remote.test', 'd@remote.test'])).toEqual([250, 250, 451, 250]);
      expect(await send('carol@other.test', ['e@remote.test'])).toEqual([451]);
    } finally {
      await limits({});
    }
  });
});
