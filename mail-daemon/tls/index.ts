import { CHANNELS } from '@/lib/db/channels';
import { getEffectivePolicy } from '@/lib/policy';
import type { DaemonContext } from '../context';
import { TlsProvider, type TlsVersion } from './provider';
import { watchCertificates } from './rotation';

export { TlsProvider } from './provider';
export type { ServedCertificate, TlsService, TlsVersion } from './provider';

const providers = new WeakMap<DaemonContext, Promise<TlsProvider>>();

/** The global policy's minTlsVersion: listeners serve every domain, so the floor is global. */
async function readMinVersion(ctx: DaemonContext): Promise<TlsVersion> {
  return (await getEffectivePolicy(ctx.db)).minTlsVersion;
}

/**
 * The daemon's one TLS provider, shared by the SMTP and IMAP listeners: the first
 * caller opens it (bootstrapping a certificate if needed), later callers get the same.
 */
export function tlsProvider(ctx: DaemonContext): Promise<TlsProvider> {
  let p = providers.get(ctx);
  if (!p) {
    p = TlsProvider.open({
      pool: ctx.pool,
      masterKey: ctx.secrets.masterKey,
      hostname: ctx.env.POSTERN_HOSTNAME,
      readMinVersion: () => readMinVersion(ctx),
      log: ctx.log.child({ part: 'tls' }),
    }).then((provider) => {
      const report = () => ctx.report({ tlsFingerprint: provider.fingerprint(), tlsCertificates: provider.certificates.map((c) => ({ id: c.id, hosts: c.hosts, fingerprint: c.fingerprint })) });
      report();
      provider.onChange(report);
      // minTlsVersion is policy: new handshakes use the new floor after a change.
      void ctx.bus.listen(CHANNELS.policy, () => {
        provider.reload().catch((err) => ctx.log.error({ err: (err as Error).message }, 'TLS reload failed'));
      });
      // Certificate activation/renewal/revocation (NOTIFY on CHANNELS.certificates) → new contexts within seconds.
      void watchCertificates(ctx, provider);
      return provider;
    });
    p.catch(() => providers.delete(ctx));
    providers.set(ctx, p);
  }
  return p;
}
