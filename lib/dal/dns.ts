import 'server-only';
import { readEnv } from '@/lib/config/env';
import {
  checkDomainDnsNow, checkResolver, dnsCheckSummaries, getDomainDns, getDomainZone, hostNameOf, rememberedHostNameCheck,
  type DnsCheckReport, type DnsCheckSummary, type DomainDns, type HostNameReport,
} from '@/lib/dns-records';
import { findDomainInScope } from '@/lib/domains';
import { db } from './db';
import { requireAdmin } from './session';

export type { DnsCheckReport, DomainDns, HostNameReport };

/** A domain's expected records and its last check, inside the admin's scope. */
export async function getDomainDnsView(name: string): Promise<DomainDns> {
  const admin = await requireAdmin();
  return getDomainDns(db(), admin, name);
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

/** One domain's summary for its own page. */
export async function getDomainOverview(name: string): Promise<DomainOverview> {
  const admin = await requireAdmin();
  const database = db();
  const scoped = await findDomainInScope(database, admin, name);
  const row = await database.domain.findUniqueOrThrow({
    where: { id: scoped.id },
    select: {
      name: true, enabled: true, createdAt: true, usedBytes: true,
      _count: { select: { mailboxes: true, aliases: true } },
      dkimKeys: { where: { status: { in: ['pending', 'active', 'retiring'] } }, select: { selector: true, status: true }, orderBy: { createdAt: 'asc' } },
      dnsCheck: { select: { problems: true, checkedAt: true } },
    },
  });
  return {
    name: row.name, enabled: row.enabled, createdAt: row.createdAt, usedBytes: Number(row.usedBytes),
    mailboxCount: row._count.mailboxes, aliasCount: row._count.aliases, dkimKeys: row.dkimKeys, lastCheck: row.dnsCheck,
  };
}

const hostNameCheck = rememberedHostNameCheck(() => checkResolver(2000));

/** The host name trap: POSTERN_HOSTNAME bare, or not resolving to this server (looked up once in five minutes). */
export async function getHostNameReport(): Promise<HostNameReport> {
  await requireAdmin();
  return hostNameCheck(hostNameOf(readEnv()));
}
