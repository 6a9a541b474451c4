// RFC 5321 §3.8: a changed credential ends the authenticated submission sessions that used it
// with 421 4.7.0 — the mailbox password's when it changes, one app password's when it is
// revoked — through the directory channel's notice (mail-daemon/services/smtp.ts), on the real
// listeners. Other sessions of the mailbox go on.
import { describe, expect, it } from 'vitest';
import { createAppPassword, revokeAppPassword } from '@/lib/app-passwords';
import { changeMailboxPassword, type MailUser } from '@/lib/self-service';
import { PASSWORD } from '@/mail-daemon/testing/directory';
import { seededSmtpWorld, submissionSession, type RawSmtp, type RunningSmtp } from '@/mail-daemon/testing/smtp';

let smtp: RunningSmtp;
seededSmtpWorld((w) => ({ smtp } = w));

async function alice(): Promise<MailUser> {
  const m = await smtp.db.mailbox.findUniqueOrThrow({ where: { address: 'alice@example.test' } });
  return { kind: 'mailbox', id: m.id, address: m.address, domainId: m.domainId };
}

async function ended(client: RawSmtp): Promise<void> {
  const r = await client.read();
  expect([r.code, r.text]).toEqual([421, '4.7.0 Your credentials changed: authenticate again']);
  expect(await client.closed()).toBe(true);
}

describe('credentials changed', () => {
  it('a revoked app password: its session gets 421 4.7.0 and is closed; the others stay', async () => {
    const user = await alice();
    const phone = await createAppPassword(smtp.db, user, { name: 'Phone' });
    const laptop = await createAppPassword(smtp.db, user, { name: 'Laptop' });
    const byPhone = await submissionSession(smtp.ports.submission, user.address, phone.password);
    const byLaptop = await submissionSession(smtp.ports.submission, user.address, laptop.password);
    const byPassword = await submissionSession(smtp.ports.submission, user.address, PASSWORD);
    await revokeAppPassword(smtp.db, user, { id: phone.id });
    await ended(byPhone);
    expect((await byLaptop.cmd('NOOP')).code).toBe(250);
    expect((await byPassword.cmd('NOOP')).code).toBe(250);
    byLaptop.close();
    byPassword.close();
  });

  it('a changed password: the sessions that used it end, the app passwords’ stay', async () => {
    const user = await alice();
    const tablet = await createAppPassword(smtp.db, user, { name: 'Tablet' });
    const first = await submissionSession(smtp.ports.submission, user.address, PASSWORD);
    const second = await submissionSession(smtp.ports.submission, user.address, PASSWORD);
    const byTablet = await submissionSession(smtp.ports.submission, user.address, tablet.password);
    const dave = await submissionSession(smtp.ports.submission, 'dave@example.test', PASSWORD);
    await changeMailboxPassword(smtp.db, user, { current: PASSWORD, password: 'Another-Horse-Battery-7' });
    await ended(first);
    await ended(second);
    expect((await byTablet.cmd('NOOP')).code).toBe(250);
    expect((await dave.cmd('NOOP')).code).toBe(250);
    byTablet.close();
    dave.close();
  });
});
