import { domainIdWhere, type Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';

export interface DnsCheckSummary {
  problems: number;
  checkedAt: Date;
}

/** The last check of each of the actor's domains, by domain id (unchecked domains are absent). */
export async function dnsCheckSummaries(db: DbOrTx, actor: Actor): Promise<Map<string, DnsCheckSummary>> {
  const rows = await db.dnsCheck.findMany({ where: domainIdWhere(actor), select: { domainId: true, problems: true, checkedAt: true } });
  return new Map(rows.map((r) => [r.domainId, { problems: r.problems, checkedAt: r.checkedAt }]));
}

/** How many of the actor's domains their last check found with a record not right. */
export function countDomainsWithDnsProblems(db: DbOrTx, actor: Actor): Promise<number> {
  return db.dnsCheck.count({ where: { ...domainIdWhere(actor), problems: { gt: 0 } } });
}
