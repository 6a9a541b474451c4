import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope, requireGlobal } from './scope';

/** A disabled domain receives no mail and its mailboxes cannot log in; nothing is deleted. */
export async function setDomainEnabled(db: Db, actor: Actor, input: { name: string; enabled: boolean }): Promise<void> {
  requireGlobal(actor, 'enable or disable domains');
  await db.$transaction(async (tx) => {
    const domain = await findDomainInScope(tx, actor, input.name, 'name');
    if (domain.enabled === input.enabled) return;
    await tx.domain.update({ where: { id: domain.id }, data: { enabled: input.enabled } });
    await audit(tx, actor, input.enabled ? 'domain.enable' : 'domain.disable', domain.name, { enabled: domain.enabled }, { enabled: input.enabled });
    await announce(tx, CHANNELS.directory, { kind: 'domain', id: domain.id });
  });
}
