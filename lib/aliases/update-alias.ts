import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { checkDestinations } from './check-destinations';
import { aliasSelect, toAliasDto, type AliasDto } from './dto';
import { findAliasInScope } from './find-alias';

export async function updateAlias(db: Db, actor: Actor, input: { source: string; destinations?: string[]; enabled?: boolean }): Promise<AliasDto> {
  return db.$transaction(async (tx) => {
    const before = await findAliasInScope(tx, actor, input.source);
    const data: { destinations?: string[]; enabled?: boolean } = {};
    if (input.destinations) data.destinations = await checkDestinations(tx, before.source, input.destinations);
    if (input.enabled !== undefined) data.enabled = input.enabled;
    const after = toAliasDto(await tx.alias.update({ where: { id: before.id }, data, select: aliasSelect }));
    await audit(tx, actor, 'alias.update', after.source, { destinations: before.destinations, enabled: before.enabled }, { destinations: after.destinations, enabled: after.enabled });
    await announce(tx, CHANNELS.directory, { kind: 'alias', id: after.id });
    return after;
  });
}
