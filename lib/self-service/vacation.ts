import { audit } from '@/lib/audit/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import type { MailUser } from './types';

export interface Vacation {
  enabled: boolean;
  subject: string;
  body: string;
  /** RFC 3834 §2: one reply per sender within this many days (the RFC suggests 7). */
  intervalDays: number;
}

export const DEFAULT_VACATION: Vacation = { enabled: false, subject: 'Out of office', body: '', intervalDays: 7 };

export async function getVacation(db: Db, user: MailUser): Promise<Vacation> {
  const row = await db.vacationSetting.findUnique({ where: { mailboxId: user.id }, select: { enabled: true, subject: true, body: true, intervalDays: true } });
  return row ?? DEFAULT_VACATION;
}

/** Sets the auto-reply; the daemon (mail-daemon/delivery/vacation.ts) reads it at each delivery. */
export async function setVacation(db: Db, user: MailUser, input: Vacation): Promise<Vacation> {
  const subject = input.subject.replace(/[\r\n]+/g, ' ').trim();
  const body = input.body.replace(/\r\n?/g, '\n');
  if (!subject || subject.length > 200) throw new ServiceError('invalid', 'a subject of at most 200 characters', 'subject');
  if (body.length > 10_000) throw new ServiceError('invalid', 'at most 10 000 characters', 'body');
  if (input.enabled && !body.trim()) throw new ServiceError('invalid', 'write the reply', 'body');
  if (!Number.isInteger(input.intervalDays) || input.intervalDays < 1 || input.intervalDays > 30) {
    throw new ServiceError('invalid', 'between 1 and 30 days', 'intervalDays');
  }
  const data = { enabled: input.enabled, subject, body, intervalDays: input.intervalDays };
  await db.$transaction(async (tx) => {
    const before = await tx.vacationSetting.findUnique({ where: { mailboxId: user.id }, select: { enabled: true } });
    await tx.vacationSetting.upsert({ where: { mailboxId: user.id }, create: { mailboxId: user.id, ...data }, update: data });
    // Turned on again: senders answered during an earlier absence hear of this one.
    if (input.enabled && !before?.enabled) await tx.vacationReply.deleteMany({ where: { mailboxId: user.id } });
    await audit(tx, user, 'mailbox.vacation', user.address, undefined, { enabled: data.enabled, intervalDays: data.intervalDays }, user.ip);
  });
  return data;
}
