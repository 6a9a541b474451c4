import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { assertPassword } from '@/lib/validations/password';
import { endAllAdminSessions } from './sessions';

/**
 * A signed-in admin changes its own password; the current one is required. Every
 * session of the admin ends, this one included: the next request asks for the new password.
 */
export async function changeOwnPassword(
  db: Db,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  if (actor.kind !== 'admin') throw new ServiceError('forbidden', 'only a signed-in admin has an own password');
  const admin = await db.admin.findUnique({ where: { id: actor.id }, select: { email: true, passwordHash: true } });
  if (!admin) throw new ServiceError('not_found', 'your admin account no longer exists');
  if (!(await verifyPassword(admin.passwordHash, String(input.currentPassword ?? '')))) {
    throw new ServiceError('invalid', 'the current password is wrong', 'currentPassword');
  }
  const policy = await getEffectivePolicy(db);
  assertPassword(input.newPassword, policy.password, admin.email, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.admin.update({ where: { id: actor.id }, data: { passwordHash, mustChangePassword: false } });
    await endAllAdminSessions(tx, actor.id);
    await audit(tx, actor, 'admin.password', admin.email);
  });
}
