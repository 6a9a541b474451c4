import 'server-only';
/**
 * The panel's data access for authentication statistics: every function takes the signed-in admin
 * and keeps to its domain scope (a domain admin counts only mail to its own domains).
 */
import { domainScope } from '@/lib/actor';
import type { AdminActor } from '@/lib/dal/session';
import type { Db } from '@/lib/db/prisma';
import { resolveFilter } from '@/lib/tls-stats/panel';
import { prismaSql } from '@/lib/tls-stats/sql';
import { normalizeDomain } from '@/lib/validations/domain';
import { messageAuthenticationOf, type MessageAuthentication } from './message';
import { authOverview, type AuthOverview } from './queries';

export interface AuthFilterInput {
  from?: string | null;
  to?: string | null;
  /** one sending domain (RFC 5322 From) */
  sender?: string | null;
}

export interface AuthFilterValues {
  from: string;
  to: string;
  sender: string;
}

/** The domain names of the admin's scope (receipts name recipients by address, not by domain id); null for all. */
async function scopeNames(db: Db, admin: AdminActor): Promise<string[] | null> {
  const ids = domainScope(admin);
  if (!ids) return null;
  return (await db.domain.findMany({ where: { id: { in: ids } }, select: { name: true } })).map((d) => d.name);
}

/** The period as the TLS page reads it (default: the last 30 days), and an optional sending domain. */
export async function authenticationOverview(db: Db, admin: AdminActor, input: AuthFilterInput): Promise<{ overview: AuthOverview; values: AuthFilterValues }> {
  const { values } = await resolveFilter(db, admin, { from: input.from, to: input.to });
  const raw = (input.sender ?? '').trim();
  const sender = raw ? normalizeDomain(raw, 'sender') : '';
  const overview = await authOverview(prismaSql(db), { from: values.from, to: values.to, scopeDomainNames: await scopeNames(db, admin), fromDomain: sender || null });
  return { overview, values: { from: values.from, to: values.to, sender } };
}

/** A stored message's arrival checks, if the message belongs to a mailbox in the admin's scope. */
export function messageAuthentication(db: Db, admin: AdminActor, messageId: string): Promise<MessageAuthentication | null> {
  return messageAuthenticationOf(prismaSql(db), messageId, domainScope(admin));
}
