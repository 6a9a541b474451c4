import type { Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { findDomainInScope, type ScopedDomain } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { parseInput } from '@/lib/certificates/schemas';
import { dkimKeyRefSchema, type DkimKeyRef } from './schemas';
import { DKIM_VIEW_SELECT } from './view';

/** A key by domain and selector, inside the actor's scope (a domain admin's other domains are 'forbidden'). */
export async function findDkimKey(db: DbOrTx, actor: Actor, raw: DkimKeyRef) {
  const input = parseInput(dkimKeyRefSchema, raw);
  const domain: ScopedDomain = await findDomainInScope(db, actor, input.domain);
  const key = await db.dkimKey.findUnique({
    where: { domainId_selector: { domainId: domain.id, selector: input.selector } },
    select: DKIM_VIEW_SELECT,
  });
  if (!key) throw new ServiceError('not_found', `${domain.name} has no DKIM key with selector ${input.selector}`, 'selector');
  return { domain, key };
}
