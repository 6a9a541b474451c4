// The admin panel's HTTP server in production: Next's request handler behind a socket we own.
// `next start` only fills X-Forwarded-For when the request has none, so a client talking to
// it directly could name any address it liked — and the panel's per-IP throttle and audit
// rows would believe it. Here the header Next's code reads (lib/dal/ip.ts) always ends with
// the socket peer, and keeps what came before it only when that peer is a declared proxy
// (POSTERN_TRUSTED_PROXIES). `npm run dev` keeps `next dev` (development only).
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { canonicalAddress, isTrusted, parseTrustedProxies } from '@/lib/auth/client-ip';
import { readEnv } from '@/lib/config/env';
import { panelHost } from './panel';

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
  const server = http.createServer((req, res) => {
    req.headers['x-forwarded-for'] = forwardedFor(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
    void handle(req, res);
  });
  // "Ready in" is what `next start` prints; npm start and the tests wait for it.
  server.listen(env.PORT, host, () => console.log(`postern panel: listening on ${host} port ${env.PORT}. Ready in ${Date.now() - started}ms`));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
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
