import { domainRowWhere, isGlobal, type Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { normalizeDomain } from '@/lib/validations/domain';

export interface ScopedDomain {
  id: string;
  name: string;
  enabled: boolean;
}

/**
 * The domain by name, looked up inside the actor's scope. A domain admin asking for
 * a domain outside its list gets 'forbidden' whether or not it exists, so the answer
 * does not reveal other tenants' domains.
 */
export async function findDomainInScope(db: DbOrTx, actor: Actor, name: string, field = 'domain'): Promise<ScopedDomain> {
  const canonical = normalizeDomain(name, field);
  const domain = await db.domain.findFirst({
    where: { name: canonical, ...domainRowWhere(actor) },
    select: { id: true, name: true, enabled: true },
  });
  if (domain) return domain;
  if (!isGlobal(actor)) throw new ServiceError('forbidden', `${canonical} is not one of your domains`, field);
  throw new ServiceError('not_found', `no domain ${canonical} (add it first)`, field);
}

export function requireGlobal(actor: Actor, what: string): void {
  if (!isGlobal(actor)) throw new ServiceError('forbidden', `only global admins can ${what}`);
}
