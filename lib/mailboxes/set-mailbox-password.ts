import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { hashPassword } from '@/lib/auth/password';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { assertPassword, generatePassword } from '@/lib/validations/password';
import { findMailboxInScope } from './find-mailbox';

/** Sets (or, when password is omitted, generates and returns once) a mailbox's password. */
export async function setMailboxPassword(
  db: Db,
  actor: Actor,
  input: { address: string; password?: string },
): Promise<{ generatedPassword?: string }> {
  const mailbox = await findMailboxInScope(db, actor, input.address);
  const policy = await getEffectivePolicy(db, mailbox.domainId);
  const generatedPassword = input.password ? undefined : generatePassword();
  const password = generatedPassword ?? input.password!;
  assertPassword(password, policy.password, mailbox.address);
  const passwordHash = await hashPassword(password);
  await db.$transaction(async (tx) => {
    await findMailboxInScope(tx, actor, mailbox.address); // still there, still ours
    await tx.mailbox.update({ where: { id: mailbox.id }, data: { passwordHash } });
    // An owner who lost both password and phone gets back in with the new password alone.
    await tx.mailboxTotp.deleteMany({ where: { mailboxId: mailbox.id } });
    await audit(tx, actor, 'mailbox.password', mailbox.address);
    // Sessions opened with the old password end (mail-daemon/services/imap.ts).
    await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: mailbox.id, credentials: 'password' });
  });
  return generatedPassword ? { generatedPassword } : {};
}
