import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { normalizeDomain } from '@/lib/validations/domain';
import { requireGlobal } from './scope';

export interface DomainDto {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: Date;
}

export async function addDomain(db: Db, actor: Actor, input: { name: string; enabled?: boolean }): Promise<DomainDto> {
  requireGlobal(actor, 'add domains');
  const name = normalizeDomain(input.name, 'name');
  return conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        if (await tx.domain.findUnique({ where: { name }, select: { id: true } })) {
          throw new ServiceError('conflict', `${name} already exists`, 'name');
        }
        const d = await tx.domain.create({
          data: { name, enabled: input.enabled ?? true },
          select: { id: true, name: true, enabled: true, createdAt: true },
        });
        await audit(tx, actor, 'domain.add', name, undefined, { name, enabled: d.enabled });
        await announce(tx, CHANNELS.directory, { kind: 'domain', id: d.id });
        return d;
      }),
    'name',
    `${name} already exists`,
  );
}
