import { domainIdWhere, isGlobal, type Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { normalizeAliasSource } from '@/lib/validations/address';
import { aliasSelect, toAliasDto, type AliasDto } from './dto';

export async function findAliasInScope(db: DbOrTx, actor: Actor, source: string): Promise<AliasDto> {
  const s = normalizeAliasSource(source);
  const row = await db.alias.findFirst({ where: { source: s.source, ...domainIdWhere(actor) }, select: aliasSelect });
  if (row) return toAliasDto(row);
  if (!isGlobal(actor)) {
    const own = await db.domain.findFirst({ where: { name: s.domain, id: { in: (actor as { domainIds: string[] }).domainIds } } });
    if (!own) throw new ServiceError('forbidden', `${s.domain} is not one of your domains`, 'source');
  }
  throw new ServiceError('not_found', `no alias ${s.source}`, 'source');
}
