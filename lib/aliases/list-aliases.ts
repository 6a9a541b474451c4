import { domainIdWhere, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import type { Prisma } from '@/lib/generated/prisma/client';
import { aliasSelect, toAliasDto, type AliasDto } from './dto';
import { escapeLike } from '@/lib/validations/like';

export interface ListAliasesInput {
  domain?: string;
  /** "contains" on the source or any destination. */
  search?: string;
  page?: number;
  pageSize?: number;
}

export async function listAliases(
  db: Db,
  actor: Actor,
  input: ListAliasesInput = {},
): Promise<{ rows: AliasDto[]; total: number; page: number; pageSize: number }> {
  const pageSize = Math.min(Math.max(Math.trunc(input.pageSize ?? 50), 1), 500);
  const page = Math.max(Math.trunc(input.page ?? 1), 1);
  const where: Prisma.AliasWhereInput = { ...domainIdWhere(actor) };
  if (input.domain) where.domainId = (await findDomainInScope(db, actor, input.domain)).id;
  const search = input.search?.trim().toLowerCase().slice(0, 200);
  if (search) where.OR = [{ source: { contains: escapeLike(search) } }, { destinations: { has: search } }];
  const [rows, total] = await Promise.all([
    db.alias.findMany({ where, orderBy: { source: 'asc' }, skip: (page - 1) * pageSize, take: pageSize, select: aliasSelect }),
    db.alias.count({ where }),
  ]);
  return { rows: rows.map(toAliasDto), total, page, pageSize };
}
