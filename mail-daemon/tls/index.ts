import type { DaemonContext } from '../context';
import { watchCertificates } from '@/lib/certificates/rotation';
import { TlsProvider } from '@/lib/certificates/tls-provider';

/** What opening the provider needs: the daemon's context before the provider is in it. */
export type TlsContext = Omit<DaemonContext, 'tls'>;

/**
 * Opens the daemon's one TLS provider (bootstrapping a certificate if needed), for
 * main.ts to put on the context and every listener to share. It follows the policy's
 * minTlsVersion (global: listeners serve every domain) and the certificates table.
 */
export async function openTls(ctx: TlsContext): Promise<TlsProvider> {
  const log = ctx.log.child({ part: 'tls' });
  const provider = await TlsProvider.open({
    pool: ctx.pool,
    masterKey: ctx.secrets.masterKey,
    hostname: ctx.env.POSTERN_HOSTNAME,
    readMinVersion: async () => (await ctx.policy.get()).minTlsVersion,
    log,
  });
  const report = () => ctx.report({ tlsFingerprint: provider.fingerprint(), tlsCertificates: provider.certificates.map((c) => ({ id: c.id, hosts: c.hosts, fingerprint: c.fingerprint })) });
  report();
  provider.onChange(report);
  // minTlsVersion is policy: new handshakes use the new floor after a change.
  ctx.policy.onChange(() => {
    provider.reload().catch((err) => ctx.log.error({ err: (err as Error).message }, 'TLS reload failed'));
  });
  // Certificate activation/renewal/revocation (NOTIFY on CHANNELS.certificates) → new contexts within seconds.
  await watchCertificates(ctx, provider);
  return provider;
}
