import { runRenewalPass } from '@/lib/certificates/renew';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';

/** How often a daemon looks for certificates to warn about or renew. */
export const RENEWAL_INTERVAL_MS = 60 * 60_000;

/**
 * Automatic renewal (certificates room): shortly after start and then hourly, one
 * daemon (advisory lock) warns about expiring certificates and renews internal-CA
 * and ACME ones `renewDaysBefore` (policy) days ahead; activation NOTIFYs every
 * daemon, which rotates without a restart. Everything is audited as "system".
 */
export function certificateRenewalService(intervalMs = RENEWAL_INTERVAL_MS): DaemonService {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> | undefined;
  return {
    name: 'certificate-renewal',
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const log = ctx.log.child({ part: 'certificate-renewal' });
      const run = () => {
        if (pass) return;
        pass = runRenewalPass(ctx.db)
          .then((report) => {
            if (report && (report.warned.length || report.renewed.length || report.failed.length)) log.info({ report }, 'certificate renewal pass');
            for (const f of report?.failed ?? []) log.error({ certificateId: f.id, hosts: f.hosts, error: f.error }, 'certificate renewal failed');
          })
          .catch((err) => log.error({ err: (err as Error).message }, 'certificate renewal pass failed'))
          .finally(() => (pass = undefined));
      };
      timer = setInterval(run, intervalMs);
      timer.unref();
      setTimeout(run, 10_000).unref();
      return [];
    },
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
