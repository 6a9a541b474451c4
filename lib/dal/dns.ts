import 'server-only';
import { readEnv } from '@/lib/config/env';
import {
  checkDomainDnsNow, checkResolver, dnsCheckSummaries, getDomainDns, getDomainZone, hostNameOf, rememberedHostNameCheck,
  type DnsCheckReport, type DnsCheckSummary, type DomainDns, type HostNameReport,
} from '@/lib/dns-records';
import { domainsUsedBytes, findDomainInScope } from '@/lib/domains';
import { isServiceError } from '@/lib/errors';
import { db } from './db';
import { requireAdmin } from './session';

export type { DnsCheckReport, DomainDns, HostNameReport };

/** A service's not-found (a domain outside the admin's scope is one) as null, for the page's notFound(). */
function nullIfNotFound(err: unknown): null {
  if (isServiceError(err)) return null;
  throw err;
}

/** A domain's expected records and its last check, inside the admin's scope; null when it is not one of the admin's domains. */
export async function getDomainDnsView(name: string): Promise<DomainDns | null> {
  const admin = await requireAdmin();
  return getDomainDns(db(), admin, name).catch(nullIfNotFound);
}

export async function runDomainDnsCheck(name: string): Promise<DnsCheckReport> {
  const admin = await requireAdmin();
  return checkDomainDnsNow(db(), admin, name);
}

export async function getDomainZoneFile(name: string): Promise<string> {
  const admin = await requireAdmin();
  return getDomainZone(db(), admin, name);
}

/** The last DNS check of each of the admin's domains, by domain id. */
export async function getDnsSummaries(): Promise<Map<string, DnsCheckSummary>> {
  const admin = await requireAdmin();
  return dnsCheckSummaries(db(), admin);
}

export interface DomainOverview {
  name: string;
  enabled: boolean;
  createdAt: Date;
  mailboxCount: number;
  aliasCount: number;
  usedBytes: number;
  dkimKeys: { selector: string; status: string }[];
  lastCheck: DnsCheckSummary | null;
}

/** One domain's summary for its own page; null when it is not one of the admin's domains. */
export async function getDomainOverview(name: string): Promise<DomainOverview | null> {
  const admin = await requireAdmin();
  const database = db();
  const scoped = await findDomainInScope(database, admin, name).catch(nullIfNotFound);
  if (!scoped) return null;
  const row = await database.domain.findUniqueOrThrow({
    where: { id: scoped.id },
    select: {
      name: true, enabled: true, createdAt: true,
      _count: { select: { mailboxes: true, aliases: true } },
      dkimKeys: { where: { status: { in: ['pending', 'active', 'retiring'] } }, select: { selector: true, status: true }, orderBy: { createdAt: 'asc' } },
      dnsCheck: { select: { problems: true, checkedAt: true } },
    },
  });
  return {
    name: row.name, enabled: row.enabled, createdAt: row.createdAt, usedBytes: (await domainsUsedBytes(database, [scoped.id])).get(scoped.id) ?? 0,
    mailboxCount: row._count.mailboxes, aliasCount: row._count.aliases, dkimKeys: row.dkimKeys, lastCheck: row.dnsCheck,
  };
}

const hostNameCheck = rememberedHostNameCheck(() => checkResolver(2000));

/** The host name trap: POSTERN_HOSTNAME bare, or not resolving to this server (looked up once in five minutes). */
export async function getHostNameReport(): Promise<HostNameReport> {
  await requireAdmin();
  return hostNameCheck(hostNameOf(readEnv()));
}
