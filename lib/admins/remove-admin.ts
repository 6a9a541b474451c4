import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { adminAuditView } from './dto';
import { findAdmin } from './find-admin';

/** Global only; never yourself, never the last global admin (nobody could log in to fix it). */
export async function removeAdmin(db: Db, actor: Actor, input: { email: string }): Promise<void> {
  requireGlobal(actor, 'remove admins');
  await db.$transaction(async (tx) => {
    const target = await findAdmin(tx, input.email);
    if (actor.kind === 'admin' && actor.id === target.id) throw new ServiceError('forbidden', 'you cannot remove yourself', 'email');
    if (target.role === 'GLOBAL' && (await tx.admin.count({ where: { role: 'GLOBAL' } })) <= 1) {
      throw new ServiceError('conflict', 'the last global admin cannot be removed', 'email');
    }
    await tx.admin.delete({ where: { id: target.id } });
    await audit(tx, actor, 'admin.remove', target.email, adminAuditView(target), undefined);
  });
}
