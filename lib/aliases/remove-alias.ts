import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { findAliasInScope } from './find-alias';

export async function removeAlias(db: Db, actor: Actor, input: { source: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const a = await findAliasInScope(tx, actor, input.source);
    await tx.alias.delete({ where: { id: a.id } });
    await audit(tx, actor, 'alias.remove', a.source, { destinations: a.destinations, enabled: a.enabled }, undefined);
    await announce(tx, CHANNELS.directory, { kind: 'alias', id: a.id });
  });
}
