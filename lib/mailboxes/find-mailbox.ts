import { domainIdWhere, isGlobal, type Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { normalizeAddress } from '@/lib/validations/address';
import { mailboxSelect, toMailboxDto, type MailboxDto } from './dto';

/** The mailbox by address inside the actor's scope (domain admins: their domains only). */
export async function findMailboxInScope(db: DbOrTx, actor: Actor, address: string, field = 'address'): Promise<MailboxDto> {
  const a = normalizeAddress(address, field);
  const row = await db.mailbox.findFirst({ where: { address: a.address, ...domainIdWhere(actor) }, select: mailboxSelect });
  if (row) return toMailboxDto(row);
  if (!isGlobal(actor)) {
    // Tell "not yours" apart from "absent" only inside the actor's own domains.
    const own = await db.domain.findFirst({ where: { name: a.domain, id: { in: (actor as { domainIds: string[] }).domainIds } } });
    if (!own) throw new ServiceError('forbidden', `${a.domain} is not one of your domains`, field);
  }
  throw new ServiceError('not_found', `no mailbox ${a.address}`, field);
}

export async function getMailbox(db: DbOrTx, actor: Actor, input: { address: string }): Promise<MailboxDto> {
  return findMailboxInScope(db, actor, input.address);
}
