import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import { conflictOnDuplicate, ServiceError } from '@/lib/errors';
import { normalizeAliasSource } from '@/lib/validations/address';
import { checkDestinations } from './check-destinations';
import { aliasSelect, toAliasDto, type AliasDto } from './dto';

/** source: "info@example.org" or "@example.org" (catch-all); destinations local or remote. */
export async function createAlias(db: Db, actor: Actor, input: { source: string; destinations: string[]; enabled?: boolean }): Promise<AliasDto> {
  const s = normalizeAliasSource(input.source);
  const duplicate = `${s.source} already exists`;
  return conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const domain = await findDomainInScope(tx, actor, s.domain, 'source');
        if (await tx.alias.findUnique({ where: { source: s.source }, select: { id: true } })) throw new ServiceError('conflict', duplicate, 'source');
        if (!s.catchAll && (await tx.mailbox.findUnique({ where: { address: s.source }, select: { id: true } }))) {
          throw new ServiceError('conflict', `${s.source} is a mailbox`, 'source');
        }
        const destinations = await checkDestinations(tx, s.source, input.destinations);
        const row = await tx.alias.create({
          data: { source: s.source, domainId: domain.id, destinations, enabled: input.enabled ?? true },
          select: aliasSelect,
        });
        await audit(tx, actor, 'alias.create', s.source, undefined, { destinations, enabled: row.enabled });
        await announce(tx, CHANNELS.directory, { kind: 'alias', id: row.id });
        return toAliasDto(row);
      }),
    'source',
    duplicate,
  );
}
