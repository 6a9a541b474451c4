import 'server-only';
import { domainIdWhere, domainRowWhere } from '@/lib/actor';
import { countDomainsWithDnsProblems } from '@/lib/dns-records/summary';
import { countSendLimited } from '@/lib/queue/count-send-limited';
import { countWaiting } from '@/lib/queue/count-waiting';
import { db } from './db';
import { requireAdmin } from './session';

/** A daemon is online when its heartbeat is younger than this. */
export const ONLINE_WINDOW_MS = 15_000;

export interface DaemonView {
  instanceId: string;
  hostname: string;
  version: string;
  online: boolean;
  startedAt: Date;
  heartbeatAt: Date;
  listeners: { name: string; port: number; tls?: string }[];
}

export interface DashboardData {
  counts: { domains: number; mailboxes: number; aliases: number; usedBytes: bigint; quotaBytes: bigint };
  daemons: DaemonView[];
  /** Messages waiting in the outbound queue (a domain admin's: from its domains' senders); null when unknown. */
  outboundQueue: number | null;
  /** Mailboxes a send limit stopped in the last 24 hours. */
  sendLimited: number;
  /** Domains whose last DNS check found a record not right. */
  dnsProblems: number;
  now: Date;
}

function listeners(value: unknown): DaemonView['listeners'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((l): l is Record<string, unknown> => typeof l === 'object' && l !== null)
    .map((l) => ({ name: String(l.name ?? ''), port: Number(l.port ?? 0), tls: l.tls === undefined ? undefined : String(l.tls) }));
}

/** Everything the dashboard shows, scoped to the admin's domains. */
export async function getDashboard(): Promise<DashboardData> {
  const admin = await requireAdmin();
  const database = db();
  const [domains, mailboxes, aliases, usage, daemons, outboundQueue, sendLimited, dnsProblems] = await Promise.all([
    database.domain.count({ where: domainRowWhere(admin) }),
    database.mailbox.count({ where: domainIdWhere(admin) }),
    database.alias.count({ where: domainIdWhere(admin) }),
    database.mailbox.aggregate({ where: domainIdWhere(admin), _sum: { usedBytes: true, quotaBytes: true } }),
    database.daemonStatus.findMany({ orderBy: { heartbeatAt: 'desc' }, take: 10 }),
    countWaiting(database, admin),
    countSendLimited(database, admin),
    countDomainsWithDnsProblems(database, admin),
  ]);
  const now = new Date();
  return {
    counts: {
      domains,
      mailboxes,
      aliases,
      usedBytes: usage._sum.usedBytes ?? BigInt(0),
      quotaBytes: usage._sum.quotaBytes ?? BigInt(0),
    },
    daemons: daemons.map((d) => ({
      instanceId: d.instanceId,
      hostname: d.hostname,
      version: d.version,
      online: now.getTime() - d.heartbeatAt.getTime() < ONLINE_WINDOW_MS,
      startedAt: d.startedAt,
      heartbeatAt: d.heartbeatAt,
      listeners: listeners(d.listeners),
    })),
    outboundQueue,
    sendLimited,
    dnsProblems,
    now,
  };
}
