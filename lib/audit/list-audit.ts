import { domainScope, isGlobal, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import type { Prisma } from '@/lib/generated/prisma/client';
import { escapeLike } from '@/lib/validations/like';
import { idsNamed, targetNames } from './target-names';

export interface ListAuditInput {
  action?: string; // prefix, e.g. "mailbox." or "mailbox.create"
  actor?: string; // exact actor name (email, cli:user, system)
  target?: string; // substring
  from?: Date;
  to?: Date;
  /** Keyset pagination: rows with id < before. */
  before?: bigint | number | string;
  limit?: number;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  /** The target as a person names it, when the row names it by id (a certificate's hosts). */
  targetName: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

/**
 * Newest first, keyset-paginated on id (stays fast however long the log gets).
 * A domain admin sees only rows whose target is one of its domains or an address in them.
 */
export async function listAudit(db: Db, actor: Actor, input: ListAuditInput = {}): Promise<{ rows: AuditRow[]; next: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const and: Prisma.AuditLogWhereInput[] = [];
  if (input.action) and.push({ action: { startsWith: escapeLike(input.action) } });
  if (input.actor) and.push({ actor: input.actor });
  if (input.target) {
    const named = await idsNamed(db, input.target);
    and.push({ OR: [{ target: { contains: escapeLike(input.target), mode: 'insensitive' } }, ...(named.length ? [{ target: { in: named } }] : [])] });
  }
  if (input.from) and.push({ at: { gte: input.from } });
  if (input.to) and.push({ at: { lt: input.to } });
  if (input.before !== undefined) and.push({ id: { lt: BigInt(input.before) } });
  if (!isGlobal(actor)) {
    const domains = await db.domain.findMany({ where: { id: { in: domainScope(actor) ?? [] } }, select: { name: true } });
    const or: Prisma.AuditLogWhereInput[] = domains.flatMap((d) => [{ target: d.name }, { target: { endsWith: `@${escapeLike(d.name)}` } }]);
    or.push({ id: { lt: 0 } }); // never an empty OR: no domains, no rows
    and.push({ OR: or });
  }
  const rows = await db.auditLog.findMany({ where: { AND: and }, orderBy: { id: 'desc' }, take: limit + 1 });
  const page = rows.slice(0, limit).map((r) => ({ ...r, id: r.id.toString() }));
  const names = await targetNames(db, page.map((r) => r.target));
  return {
    rows: page.map(({ actorId: _a, ...r }) => ({ ...r, targetName: (r.target && names.get(r.target)) ?? null })),
    next: rows.length > limit ? page[page.length - 1].id : null,
  };
}
