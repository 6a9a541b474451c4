import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { hashPassword } from '@/lib/auth/password';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { normalizeAddress } from '@/lib/validations/address';
import { assertPassword, generatePassword } from '@/lib/validations/password';
import { parseQuota } from '@/lib/validations/quota';
import { auditView, mailboxSelect, toMailboxDto, type MailboxDto } from './dto';

export interface CreateMailboxInput {
  address: string;
  /** Omitted: one is generated and returned once as generatedPassword. */
  password?: string;
  name?: string | null;
  /** "2G", bytes, …; omitted: the policy's defaultQuotaBytes. 0 = unlimited. */
  quota?: string | number;
  enabled?: boolean;
}

export async function createMailbox(
  db: Db,
  actor: Actor,
  input: CreateMailboxInput,
): Promise<{ mailbox: MailboxDto; generatedPassword?: string }> {
  const a = normalizeAddress(input.address);
  const domain = await findDomainInScope(db, actor, a.domain, 'address');
  const policy = await getEffectivePolicy(db, domain.id);
  const quotaBytes = input.quota === undefined || input.quota === '' ? policy.defaultQuotaBytes : parseQuota(input.quota);
  const generatedPassword = input.password === undefined || input.password === '' ? generatePassword() : undefined;
  const password = generatedPassword ?? input.password!;
  assertPassword(password, policy.password, a.address);
  const displayName = cleanName(input.name);
  const passwordHash = await hashPassword(password);
  const duplicate = `${a.address} already exists`;

  const mailbox = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        if (await tx.mailbox.findUnique({ where: { address: a.address }, select: { id: true } })) {
          throw new ServiceError('conflict', duplicate, 'address');
        }
        if (await tx.alias.findUnique({ where: { source: a.address }, select: { id: true } })) {
          throw new ServiceError('conflict', `${a.address} is already an alias`, 'address');
        }
        const row = await tx.mailbox.create({
          data: { domainId: domain.id, localPart: a.localPart, address: a.address, displayName, passwordHash, quotaBytes, enabled: input.enabled ?? true },
          select: mailboxSelect,
        });
        const dto = toMailboxDto(row);
        await audit(tx, actor, 'mailbox.create', dto.address, undefined, auditView(dto));
        await announce(tx, CHANNELS.directory, { kind: 'mailbox', id: dto.id });
        return dto;
      }),
    'address',
    duplicate,
  );
  return generatedPassword ? { mailbox, generatedPassword } : { mailbox };
}

export function cleanName(name: string | null | undefined): string | null {
  const n = (name ?? '').trim();
  if (n.length > 200) throw new ServiceError('invalid', 'a display name is at most 200 characters', 'name');
  if (/[\r\n\0]/.test(n)) throw new ServiceError('invalid', 'a display name is one line', 'name');
  return n || null;
}
