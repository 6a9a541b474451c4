import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import { checkDomainDns, lastDnsCheck, type CheckOptions, type DnsCheckReport } from './check';
import { expectedRecords, type ExpectedRecords, type HostEnv } from './expected';
import { zoneFile } from './zone';

// The DNS records of one domain for the panel and the CLI, inside the actor's scope.

export interface DomainDns {
  expected: ExpectedRecords;
  /** The last check kept, or null when the domain was never checked. */
  last: DnsCheckReport | null;
}

export async function getDomainDns(db: Db, actor: Actor, name: string, options: { env?: HostEnv } = {}): Promise<DomainDns> {
  const domain = await findDomainInScope(db, actor, name);
  const [expected, last] = await Promise.all([expectedRecords(db, domain.id, options), lastDnsCheck(db, domain.id)]);
  return { expected, last };
}

/** Looks the records up now, keeps the result, audits the check with its count of problems. */
export async function checkDomainDnsNow(db: Db, actor: Actor, name: string, options: CheckOptions = {}): Promise<DnsCheckReport> {
  const domain = await findDomainInScope(db, actor, name);
  const report = await checkDomainDns(db, domain.id, options);
  await audit(db, actor, 'domain.dns_check', domain.name, undefined, {
    problems: report.problems,
    notRight: report.records.filter((r) => r.state !== 'right').map((r) => `${r.type} ${r.name}: ${r.state}`),
  });
  return report;
}

/** The zone file of the domain's expected records (host addresses from the last check, when there was one). */
export async function getDomainZone(db: Db, actor: Actor, name: string, options: { env?: HostEnv } = {}): Promise<string> {
  const { expected, last } = await getDomainDns(db, actor, name, options);
  const addresses = last?.records.find((r) => r.kind === 'address' && r.state === 'right')?.found;
  return zoneFile(expected, { addresses });
}
