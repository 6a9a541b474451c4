import { domainScope, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { escapeLike } from '@/lib/validations/like';

/** The audit action the daemon writes when a send limit stops a mailbox (once an hour per mailbox). */
export const SEND_LIMIT_ACTION = 'mailbox.send_limit_reached';

/**
 * Mailboxes a send limit stopped in the last 24 hours (a stolen password shows here first);
 * a domain admin counts its own domains' mailboxes.
 */
export async function countSendLimited(db: Db, actor: Actor, now = new Date()): Promise<number> {
  const scope = domainScope(actor);
  const domains = scope ? (await db.domain.findMany({ where: { id: { in: scope } }, select: { name: true } })).map((d) => d.name) : null;
  const rows = await db.auditLog.findMany({
    where: {
      action: SEND_LIMIT_ACTION,
      at: { gt: new Date(now.getTime() - 86_400_000) },
      ...(domains ? { OR: domains.map((d) => ({ target: { endsWith: `@${escapeLike(d)}` } })) } : {}),
    },
    select: { target: true },
    distinct: ['target'],
  });
  return domains && !domains.length ? 0 : rows.length;
}
