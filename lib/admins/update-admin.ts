import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { adminAuditView, adminSelect, toAdminDto, type AdminDto } from './dto';
import { findAdmin } from './find-admin';
import { parseRole, resolveAdminDomains } from './normalize';
import { endAllAdminSessions } from './sessions';

/**
 * Changes an admin's role and domain scope (global only; not your own role). A changed
 * role, or a domain taken away, ends every session of that admin at once.
 */
export async function updateAdmin(
  db: Db,
  actor: Actor,
  input: { email: string; role: 'GLOBAL' | 'DOMAIN' | 'global' | 'domain'; domains?: string[] },
): Promise<AdminDto> {
  requireGlobal(actor, 'change admins');
  const role = parseRole(input.role);
  return db.$transaction(async (tx) => {
    const before = await findAdmin(tx, input.email);
    if (actor.kind === 'admin' && actor.id === before.id && role !== before.role) {
      throw new ServiceError('forbidden', 'you cannot change your own role', 'role');
    }
    if (before.role === 'GLOBAL' && role === 'DOMAIN' && (await tx.admin.count({ where: { role: 'GLOBAL' } })) <= 1) {
      throw new ServiceError('conflict', 'the last global admin must stay global', 'role');
    }
    const domainIds = await resolveAdminDomains(tx, role, input.domains);
    await tx.adminDomain.deleteMany({ where: { adminId: before.id } });
    const row = await tx.admin.update({
      where: { id: before.id },
      data: { role, domains: { create: domainIds.map((domainId) => ({ domainId })) } },
      select: adminSelect,
    });
    const after = toAdminDto(row);
    const kept = new Set(after.domains);
    if (after.role !== before.role || before.domains.some((d) => !kept.has(d))) await endAllAdminSessions(tx, before.id);
    await audit(tx, actor, 'admin.update', after.email, adminAuditView(before), adminAuditView(after));
    return after;
  });
}
