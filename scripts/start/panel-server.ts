// The admin panel's HTTP server in production: Next's request handler behind a socket we own.
// `next start` only fills X-Forwarded-For when the request has none, so a client talking to
// it directly could name any address it liked — and the panel's per-IP throttle and audit
// rows would believe it. Here the header Next's code reads (lib/dal/ip.ts) always ends with
// the socket peer, and keeps what came before it only when that peer is a declared proxy
// (POSTERN_TRUSTED_PROXIES). `npm run dev` keeps `next dev` (development only).
// With POSTERN_HTTPS_PORT it also serves HTTPS itself (panel-https.ts) and plain HTTP redirects there.
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { canonicalAddress, isTrusted, parseTrustedProxies } from '@/lib/auth/client-ip';
import { ConfigError, readEnv } from '@/lib/config/env';
import { processSecrets } from '@/lib/config/secrets';
import { createLogger } from '@/lib/log';
import { panelHost } from './panel';
import { openPanelHttps, redirectToHttps, type PanelHttps } from './panel-https';

/** X-Forwarded-For as the panel must see it: what a trusted proxy forwarded, then the peer. */
export function forwardedFor(peer: string | undefined, received: string | string[] | undefined, trusted: ReturnType<typeof parseTrustedProxies>): string {
  const address = canonicalAddress(peer) ?? peer ?? '';
  const chain = Array.isArray(received) ? received.join(', ') : (received ?? '');
  return chain.trim() && isTrusted(address, trusted) ? `${chain}, ${address}` : address;
}

async function main(): Promise<void> {
  const env = readEnv();
  const host = panelHost(env);
  const trusted = parseTrustedProxies(env.POSTERN_TRUSTED_PROXIES);
  const started = Date.now();
  const app = next({ dev: false, dir: path.resolve(import.meta.dirname, '../..'), hostname: host, port: env.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();
  const serve: http.RequestListener = (req, res) => {
    req.headers['x-forwarded-for'] = forwardedFor(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
    void handle(req, res);
  };
  const httpsPort = env.POSTERN_HTTPS_PORT;
  const server = http.createServer((req, res) => {
    if (httpsPort && redirectToHttps(req, res, httpsPort, env.POSTERN_HOSTNAME)) return;
    serve(req, res);
  });
  let secure: PanelHttps | undefined;
  if (httpsPort) {
    if (!env.DATABASE_URL) throw new ConfigError('POSTERN_HTTPS_PORT needs DATABASE_URL (npm start sets it)');
    secure = await openPanelHttps({
      databaseUrl: env.DATABASE_URL,
      masterKey: processSecrets().masterKey,
      hostname: env.POSTERN_HOSTNAME,
      log: createLogger('panel-https'),
      handler: (req, res) => {
        // What proxy.ts reads to send HSTS: this request did arrive over TLS.
        req.headers['x-forwarded-proto'] = 'https';
        serve(req, res);
      },
    });
    await new Promise<void>((resolve, reject) => secure!.server.once('error', reject).listen(httpsPort, host, resolve));
  }
  // "Ready in" is what `next start` prints; npm start and the tests wait for it.
  server.listen(env.PORT, host, () =>
    console.log(`postern panel: listening on ${host} port ${env.PORT}${httpsPort ? ` (HTTPS on ${httpsPort})` : ''}. Ready in ${Date.now() - started}ms`),
  );
  const stop = () => {
    let open = secure ? 2 : 1;
    const closed = () => {
      if (--open === 0) void (secure?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    };
    server.close(closed);
    server.closeIdleConnections();
    secure?.server.close(closed);
    secure?.server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err) => {
    console.error(`postern panel: ${(err as Error).message}`);
    process.exit(1);
  });
}
