import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { findDomainInScope, requireGlobal } from './scope';

/**
 * Removes a domain with its aliases. Refused while it still has mailboxes (their mail
 * would go with them) unless `force`, which removes the mailboxes first.
 */
export async function removeDomain(db: Db, actor: Actor, input: { name: string; force?: boolean }): Promise<{ removedMailboxes: number }> {
  requireGlobal(actor, 'remove domains');
  return db.$transaction(async (tx) => {
    const domain = await findDomainInScope(tx, actor, input.name, 'name');
    const mailboxes = await tx.mailbox.count({ where: { domainId: domain.id } });
    if (mailboxes > 0 && !input.force) {
      throw new ServiceError('conflict', `${domain.name} still has ${mailboxes} mailbox(es); remove them or confirm with force`, 'name');
    }
    await tx.mailbox.deleteMany({ where: { domainId: domain.id } });
    await tx.domain.delete({ where: { id: domain.id } });
    await audit(tx, actor, 'domain.remove', domain.name, { name: domain.name, mailboxes }, undefined);
    await announce(tx, CHANNELS.directory, { kind: 'domain', id: domain.id });
    return { removedMailboxes: mailboxes };
  });
}
