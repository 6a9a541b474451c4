import { runRenewalPass } from '@/lib/certificates/renew';
import { periodicService } from '../periodic';

/** How often a daemon looks for certificates to warn about or renew. */
export const RENEWAL_INTERVAL_MS = 60 * 60_000;

/**
 * Automatic certificate renewal: shortly after start and then hourly, one
 * daemon (advisory lock) warns about expiring certificates and renews internal-CA
 * and ACME ones `renewDaysBefore` (policy) days ahead; activation NOTIFYs every
 * daemon, which rotates without a restart. Everything is audited as "system".
 */
export function certificateRenewalService(intervalMs = RENEWAL_INTERVAL_MS) {
  return periodicService('certificate-renewal', intervalMs, async (ctx, log) => {
    const report = await runRenewalPass(ctx.db, { policy: ctx.policy });
    if (report && (report.warned.length || report.renewed.length || report.failed.length)) log.info({ report }, 'certificate renewal pass');
    for (const f of report?.failed ?? []) log.error({ certificateId: f.id, hosts: f.hosts, error: f.error }, 'certificate renewal failed');
  });
}
