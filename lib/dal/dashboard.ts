import 'server-only';
import { domainIdWhere, domainRowWhere } from '@/lib/actor';
import { readEnv } from '@/lib/config/env';
import { goneAfterMsOf, listDaemons, type DaemonLiveness } from '@/lib/daemons/liveness';
import { countDomainsWithDnsProblems } from '@/lib/dns-records/summary';
import { countSendLimited } from '@/lib/queue/count-send-limited';
import { countWaiting } from '@/lib/queue/count-waiting';
import { db } from './db';
import { requireAdmin } from './session';

/** A daemon as the dashboard shows it: alive while its heartbeat is fresh (POSTERN_DAEMON_GONE_SECONDS), gone after. */
export type DaemonView = Omit<DaemonLiveness, 'details'>;

export interface DashboardData {
  counts: { domains: number; mailboxes: number; aliases: number; usedBytes: bigint; quotaBytes: bigint };
  daemons: DaemonView[];
  /** Messages waiting in the outbound queue (a domain admin's: from its domains' senders); null when unknown. */
  outboundQueue: number | null;
  /** Mailboxes a send limit stopped in the last 24 hours. */
  sendLimited: number;
  /** Domains whose last DNS check found a record not right. */
  dnsProblems: number;
  /** The first-run steps done so far (the dashboard lists them until all are). */
  firstSteps: FirstSteps;
  now: Date;
}

export interface FirstSteps {
  domain: boolean;
  /** A domain's last DNS check found every record right. */
  dns: boolean;
  mailbox: boolean;
  /** An active certificate other than the self-signed one the daemon makes for itself. */
  certificate: boolean;
}

/** Everything the dashboard shows, scoped to the admin's domains. */
export async function getDashboard(): Promise<DashboardData> {
  const admin = await requireAdmin();
  const database = db();
  const [domains, mailboxes, aliases, usage, daemons, outboundQueue, sendLimited, dnsProblems, dnsRight, certificates] = await Promise.all([
    database.domain.count({ where: domainRowWhere(admin) }),
    database.mailbox.count({ where: domainIdWhere(admin) }),
    database.alias.count({ where: domainIdWhere(admin) }),
    database.mailbox.aggregate({ where: domainIdWhere(admin), _sum: { usedBytes: true, quotaBytes: true } }),
    listDaemons(database, { goneAfterMs: goneAfterMsOf(readEnv()), take: 10 }),
    countWaiting(database, admin),
    countSendLimited(database, admin),
    countDomainsWithDnsProblems(database, admin),
    database.dnsCheck.count({ where: { ...domainIdWhere(admin), problems: 0 }, take: 1 }),
    database.certificate.count({ where: { status: 'ACTIVE', source: { not: 'SELF_SIGNED' } }, take: 1 }),
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
    daemons: daemons.map(({ details: _details, ...d }) => d),
    outboundQueue,
    sendLimited,
    dnsProblems,
    firstSteps: { domain: domains > 0, dns: dnsRight > 0, mailbox: mailboxes > 0, certificate: certificates > 0 },
    now,
  };
}
