import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { hashPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { assertPassword, generatePassword } from '@/lib/validations/password';
import { adminAuditView, adminSelect, toAdminDto, type AdminDto } from './dto';
import { normalizeAdminEmail, parseRole, resolveAdminDomains } from './normalize';

export interface AddAdminInput {
  email: string;
  /** Omitted: generated and returned once. */
  password?: string;
  role?: 'GLOBAL' | 'DOMAIN' | 'global' | 'domain';
  /** Domain names, for role DOMAIN. */
  domains?: string[];
}

/**
 * Only global admins (and the CLI) create admins. A generated password was shown to the
 * creator (or printed at start-up for the first admin): the new admin must change it at the
 * first sign-in before using the panel (mustChangePassword, enforced by lib/dal/session.ts).
 */
export async function addAdmin(db: Db, actor: Actor, input: AddAdminInput): Promise<{ admin: AdminDto; generatedPassword?: string }> {
  requireGlobal(actor, 'add admins');
  const email = normalizeAdminEmail(input.email);
  const role = parseRole(input.role);
  const policy = await getEffectivePolicy(db);
  const generatedPassword = input.password ? undefined : generatePassword();
  const password = generatedPassword ?? input.password!;
  assertPassword(password, policy.password, email);
  const passwordHash = await hashPassword(password);
  const duplicate = `${email} is already an admin`;
  const admin = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const domainIds = await resolveAdminDomains(tx, role, input.domains);
        if (await tx.admin.findUnique({ where: { email }, select: { id: true } })) throw new ServiceError('conflict', duplicate, 'email');
        const row = await tx.admin.create({
          data: { email, passwordHash, role, mustChangePassword: Boolean(generatedPassword), domains: { create: domainIds.map((domainId) => ({ domainId })) } },
          select: adminSelect,
        });
        const dto = toAdminDto(row);
        await audit(tx, actor, 'admin.add', email, undefined, adminAuditView(dto));
        return dto;
      }),
    'email',
    duplicate,
  );
  return generatedPassword ? { admin, generatedPassword } : { admin };
}
