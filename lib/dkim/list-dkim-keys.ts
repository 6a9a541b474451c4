import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import { dkimDnsRecords, type DkimDnsRecord } from './dns-records';
import { DKIM_VIEW_SELECT, toDkimKeyView, type DkimKeyView } from './view';

const ORDER = { active: 0, pending: 1, retiring: 2, retired: 3 } as Record<string, number>;

/** A domain's keys, the signing one first, then pending, retiring and retired, newest first within each. */
export async function listDkimKeys(db: Db, actor: Actor, input: { domain: string }): Promise<{ domain: string; keys: DkimKeyView[] }> {
  const domain = await findDomainInScope(db, actor, input.domain);
  const rows = await db.dkimKey.findMany({ where: { domainId: domain.id }, select: DKIM_VIEW_SELECT, orderBy: { createdAt: 'desc' } });
  rows.sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9));
  return { domain: domain.name, keys: rows.map((r) => toDkimKeyView(domain.name, r)) };
}

/** The records the domain must publish now (dkimDnsRecords), for an actor in scope. */
export async function dkimDnsRecordsFor(db: Db, actor: Actor, input: { domain: string }): Promise<{ domain: string; records: DkimDnsRecord[] }> {
  const domain = await findDomainInScope(db, actor, input.domain);
  return { domain: domain.name, records: await dkimDnsRecords(db, domain.id) };
}
