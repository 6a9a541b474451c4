import 'server-only';
import { readEnv } from '@/lib/config/env';
import { clientIpFrom, parseTrustedProxies, type Cidr } from '@/lib/auth/client-ip';

/**
 * The client's address as the panel sees it — decided here and nowhere else.
 *
 * What Next gives us: the app never sees the socket. `next start` (scripts/start.ts)
 * runs Next's own server, which does `req.headers['x-forwarded-for'] ??=
 * socket.remoteAddress` (next/dist/server/base-server.js): it writes the socket peer
 * into X-Forwarded-For only when the request carries no such header, and never appends.
 * So the right-most hop is the socket peer when the client sent no header; when a proxy
 * in front appended the address it saw, the right-most hop is that proxy's peer; and a
 * client talking to Next directly can write any value it likes, which we cannot tell
 * from Next's (the socket address is then lost before the request reaches us).
 *
 * We therefore treat the right-most hop as the peer, and believe hops further left only
 * while the peer is in POSTERN_TRUSTED_PROXIES (clientIpFrom). Without a declared proxy,
 * nothing left of the right-most hop is ever read. A direct client can still pick the
 * right-most hop; the throttle is built so that this buys it nothing against others
 * (lib/auth/throttle.ts: panel keys apart from mail keys, per (admin, IP) lockouts and a
 * per-admin slow-down instead of an account lockout). Making the peer unforgeable needs
 * the server that owns the socket to overwrite the header (a custom server in
 * scripts/start.ts, or a reverse proxy that sets rather than appends).
 */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined>): string | undefined {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const hops = (get('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const peer = hops.pop();
  return clientIpFrom({ peer, forwardedFor: hops, trustedProxies: trustedProxies() });
}

let cached: { source: string; cidrs: Cidr[] } | undefined;

/** POSTERN_TRUSTED_PROXIES, parsed once per value (readEnv validates it). */
function trustedProxies(): Cidr[] {
  const raw = process.env.POSTERN_TRUSTED_PROXIES ?? '';
  if (cached?.source !== raw) cached = { source: raw, cidrs: parseTrustedProxies(readEnv().POSTERN_TRUSTED_PROXIES) };
  return cached.cidrs;
}
