import type { Db } from '@/lib/db/prisma';
import { readTlsReports } from '@/lib/tls-reports/ingest';
import { periodicService } from '../periodic';
import type { PolicyCache } from './policy-cache';

// RFC 8460 reports arrive once a day per reporter: a pass every five minutes reads them soon
// enough for the TLS page, and costs one indexed query per report mailbox when nothing came.
export const TLS_REPORTS_INTERVAL_MS = 5 * 60_000;

/** The report mailboxes: the global policy's tlsRptAddress and every domain's own, when set. */
export async function reportAddresses(db: Db, policy: Pick<PolicyCache, 'get'>): Promise<string[]> {
  const domains = await db.domain.findMany({ where: { enabled: true }, select: { id: true } });
  const policies = await Promise.all([policy.get(), ...domains.map((d) => policy.get(d.id))]);
  return [...new Set(policies.map((p) => p.tlsRptAddress).filter(Boolean))];
}

export function tlsReportsService(intervalMs = TLS_REPORTS_INTERVAL_MS) {
  return periodicService('tls-reports', intervalMs, async (ctx, log) => {
    const pass = await readTlsReports(ctx.pool, await reportAddresses(ctx.db, ctx.policy));
    for (const problem of pass.problems.slice(0, 20)) log.warn({ problem }, 'tls report not read');
    if (pass.reports) log.info({ messages: pass.messages, reports: pass.reports }, 'tls reports read');
  });
}
