import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { assertPassword, MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { endOtherMailboxSessions } from './sessions';
import type { MailUser } from './types';

/**
 * The owner changes the mailbox password: the current one first, the domain's password policy
 * on the new one. Other self-service sessions end, and the daemons are told on the directory
 * channel (`credentials: 'password'`) so IMAP, SMTP and POP3 sessions opened with the old password end too.
 * App passwords stay: they are per device, revoked one by one.
 */
export async function changeMailboxPassword(
  db: Db,
  user: MailUser,
  input: { current: string; password: string; sessionId?: string },
): Promise<void> {
  const row = await db.mailbox.findUnique({ where: { id: user.id }, select: { passwordHash: true, address: true, domainId: true } });
  if (!row) throw new ServiceError('not_found', 'this mailbox no longer exists');
  if (input.current.length > MAX_PASSWORD_LENGTH || !(await verifyPassword(row.passwordHash, input.current))) {
    throw new ServiceError('invalid', 'that is not your current password', 'current');
  }
  if (input.password === input.current) throw new ServiceError('invalid', 'choose a password other than the current one', 'password');
  const policy = await getEffectivePolicy(db, row.domainId);
  assertPassword(input.password, policy.password, row.address);
  const passwordHash = await hashPassword(input.password);
  await db.$transaction(async (tx) => {
    await tx.mailbox.update({ where: { id: user.id }, data: { passwordHash } });
    await endOtherMailboxSessions(tx, user.id, input.sessionId);
    await audit(tx, user, 'mailbox.password', row.address, undefined, { by: 'owner' }, user.ip);
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: user.id, credentials: 'password' });
  });
}
