import type { Db } from '@/lib/db/prisma';
import type pg from 'pg';
import { reportMailboxes, tlsRptAddress } from '@/lib/tls-reports/address';
import { readTlsReports, type ReadPass } from '@/lib/tls-reports/ingest';
import { periodicService } from '../periodic';
import type { PolicyCache } from './policy-cache';

// RFC 8460 reports arrive once a day per reporter: a pass every five minutes reads them soon
// enough for the TLS page, and costs a few indexed queries per domain when nothing came.
export const TLS_REPORTS_INTERVAL_MS = 5 * 60_000;

/**
 * The mailboxes to read: for every enabled domain, where mail to the address its `_smtp._tls`
 * record names is delivered (the same address the DNS page publishes, postmaster@<domain>
 * unless the policy names another).
 */
export async function reportAddresses(db: Db, policy: Pick<PolicyCache, 'get'>): Promise<string[]> {
  const domains = await db.domain.findMany({ where: { enabled: true }, select: { id: true, name: true } });
  const named = await Promise.all(domains.map(async (d) => tlsRptAddress(await policy.get(d.id), d.name)));
  return reportMailboxes(db, named, async (domainId) => (await policy.get(domainId)).recipientDelimiter);
}

/** One pass: every report mailbox read from where it was left. */
export async function readReportsPass(ctx: { db: Db; pool: pg.Pool; policy: Pick<PolicyCache, 'get'> }): Promise<ReadPass> {
  return readTlsReports(ctx.pool, await reportAddresses(ctx.db, ctx.policy));
}

export function tlsReportsService(intervalMs = TLS_REPORTS_INTERVAL_MS) {
  return periodicService('tls-reports', intervalMs, async (ctx, log) => {
    const pass = await readReportsPass(ctx);
    for (const problem of pass.problems.slice(0, 20)) log.warn({ problem }, 'tls report not read');
    if (pass.reports) log.info({ messages: pass.messages, reports: pass.reports }, 'tls reports read');
  });
}
