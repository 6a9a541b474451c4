import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { hashPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { assertPassword, generatePassword } from '@/lib/validations/password';
import { findAdmin } from './find-admin';
import { endAllAdminSessions } from './sessions';

/**
 * Resets another admin's password (global only; e.g. `postern admin passwd` for a
 * locked-out admin). Every session of that admin ends at once. A generated password must be
 * changed at the next sign-in (whoever reset it has seen it); a chosen one need not.
 */
export async function setAdminPassword(db: Db, actor: Actor, input: { email: string; password?: string }): Promise<{ generatedPassword?: string }> {
  requireGlobal(actor, "reset admins' passwords");
  const target = await findAdmin(db, input.email);
  const generatedPassword = input.password ? undefined : generatePassword();
  const password = generatedPassword ?? input.password!;
  assertPassword(password, (await getEffectivePolicy(db)).password, target.email);
  const passwordHash = await hashPassword(password);
  await db.$transaction(async (tx) => {
    await tx.admin.update({ where: { id: target.id }, data: { passwordHash, mustChangePassword: Boolean(generatedPassword) } });
    await endAllAdminSessions(tx, target.id);
    await audit(tx, actor, 'admin.password.reset', target.email);
  });
  return generatedPassword ? { generatedPassword } : {};
}
