// The panel's own HTTPS port (POSTERN_HTTPS_PORT): the same Next handler as the HTTP port,
// with the certificates Postern already manages (the certificates table, picked by SNI, the
// same TLS 1.2+ AEAD-only contexts as the mail ports) and rotated live on NOTIFY
// CHANNELS.certificates. It is what lets mta-sts.<domain> (RFC 8461 §3.3 requires HTTPS),
// autoconfig.<domain> and autodiscover be served without a reverse proxy in front.
import type http from 'node:http';
import https from 'node:https';
import { watchCertificates } from '@/lib/certificates/rotation';
import { TlsProvider, handshakeFailure, refuseRenegotiation } from '@/lib/certificates/tls-provider';
import { CHANNELS } from '@/lib/db/channels';
import { NotifyBus } from '@/lib/db/notify';
import { createPool } from '@/lib/db/pool';
import { createPrisma } from '@/lib/db/prisma';
import type { Logger } from '@/lib/log';
import { getEffectivePolicy } from '@/lib/policy';

export interface PanelHttpsOptions {
  databaseUrl: string;
  /** Unseals the certificates' private keys (POSTERN_SECRET). */
  masterKey: string;
  /** POSTERN_HOSTNAME: the bootstrap certificate's name when the table has none. */
  hostname: string;
  log: Logger;
  handler: http.RequestListener;
}

export interface PanelHttps {
  server: https.Server;
  provider: TlsProvider;
  /** Stops listening for changes and closes the database connections (not the server). */
  close(): Promise<void>;
}

/** Builds the HTTPS server (not yet listening) and keeps its certificates current. */
export async function openPanelHttps(options: PanelHttpsOptions): Promise<PanelHttps> {
  const { log } = options;
  const pool = createPool(options.databaseUrl, { max: 2, onError: (err) => log.warn({ err: err.message }, 'database connection lost') });
  const db = createPrisma(options.databaseUrl, 2);
  const bus = new NotifyBus(options.databaseUrl, (err) => log.warn({ err: err.message }, 'notify connection lost; reconnecting'));
  const provider = await TlsProvider.open({
    pool,
    masterKey: options.masterKey,
    hostname: options.hostname,
    // The policy's floor is global (one listener, every domain), like the mail ports'.
    readMinVersion: async () => (await getEffectivePolicy(db)).minTlsVersion,
    log,
  });
  const server = https.createServer(provider.serverOptions(), options.handler);
  provider.attach(server);
  server.on('secureConnection', refuseRenegotiation);
  server.on('tlsClientError', (err) => log.debug({ reason: handshakeFailure(err) }, 'TLS handshake failed'));
  await watchCertificates({ bus, log }, provider);
  await bus.listen(CHANNELS.policy, () => {
    provider.reload().catch((err) => log.error({ err: (err as Error).message }, 'TLS reload after a policy change failed'));
  });
  await bus.start();
  return {
    server,
    provider,
    async close() {
      await bus.close();
      await Promise.all([pool.end(), db.$disconnect()]);
    },
  };
}

/** ACME http-01 (RFC 8555 §8.3) is fetched over plain HTTP and must stay reachable there. */
const STAYS_ON_HTTP = '/.well-known/acme-challenge/';

const HOST = /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/;

/**
 * With the HTTPS port on, plain HTTP answers 308 to the same path over HTTPS (308 keeps the
 * method and body, so an autodiscover POST follows it too), except the ACME challenges.
 * Returns false when the request is for Next to answer.
 */
export function redirectToHttps(req: http.IncomingMessage, res: http.ServerResponse, httpsPort: number, fallbackHost: string): boolean {
  const path = req.url ?? '/';
  if (path.startsWith(STAYS_ON_HTTP)) return false;
  const given = (req.headers.host ?? '').replace(/:\d+$/, '');
  const host = HOST.test(given) ? given : fallbackHost;
  const location = `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${path.startsWith('/') ? path : `/${path}`}`;
  res.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`moved to ${location}\n`);
  return true;
}
