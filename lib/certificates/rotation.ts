import { CHANNELS } from '@/lib/db/channels';
import type { NotifyBus } from '@/lib/db/notify';
import type { Logger } from '@/lib/log';
import type { TlsProvider } from './tls-provider';

/**
 * Certificate rotation without downtime: on NOTIFY CHANNELS.certificates
 * (activate, revoke, renew) — or after the notify connection was re-established —
 * the provider re-reads the ACTIVE certificates and swaps its secure contexts.
 * Listeners ask the provider per handshake, so the next connection gets the new
 * certificate (SNI per host name when several are active) while open connections
 * keep the context they negotiated. The provider's onChange re-reports the served
 * fingerprint into daemon_status.details (tlsFingerprint) for the dashboard. The daemon's
 * listeners and the panel's HTTPS server (scripts/start/panel-https.ts) both use it.
 *
 * Reloads are serialised and coalesced: a burst of notifications costs one extra reload.
 */
export async function watchCertificates(ctx: { bus: Pick<NotifyBus, 'listen'>; log: Logger }, provider: TlsProvider): Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const reload = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = provider
      .reload()
      .then(() => ctx.log.info({ fingerprint: provider.fingerprint(), certificates: provider.certificates.length }, 'TLS certificates reloaded'))
      .catch((err) => ctx.log.error({ err: (err as Error).message }, 'TLS certificate reload failed; still serving the previous set'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  await ctx.bus.listen(CHANNELS.certificates, reload);
}
