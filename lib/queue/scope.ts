import { domainScope, type Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { Prisma } from '@/lib/generated/prisma/client';

/** The lower-cased domain of an address column (after the last "@"); NULL without one. */
export function domainOf(column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`lower(substring(${column} from '@([^@]*)$'))`;
}

/**
 * The SQL condition for mail the actor may see and act on: a domain admin's when the
 * envelope sender's domain or the authenticated user's domain is one of theirs; the
 * global admin, the CLI and the system see everything. `mailFrom`/`authUser` name the columns.
 */
export async function mailScope(db: DbOrTx, actor: Actor, mailFrom: Prisma.Sql, authUser: Prisma.Sql): Promise<Prisma.Sql> {
  const ids = domainScope(actor);
  if (!ids) return Prisma.sql`TRUE`;
  if (!ids.length) return Prisma.sql`FALSE`;
  const names = (await db.domain.findMany({ where: { id: { in: ids } }, select: { name: true } })).map((d) => d.name);
  if (!names.length) return Prisma.sql`FALSE`;
  return Prisma.sql`(${domainOf(mailFrom)} = ANY(${names}::text[]) OR ${domainOf(authUser)} = ANY(${names}::text[]))`;
}

/** The scope on outbound_queue aliased `q`. */
export function queueScope(db: DbOrTx, actor: Actor): Promise<Prisma.Sql> {
  return mailScope(db, actor, Prisma.raw('q.mail_from'), Prisma.raw('q.auth_user'));
}

/** `a AND b AND …` (TRUE for none). */
export function and(parts: Prisma.Sql[]): Prisma.Sql {
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}
