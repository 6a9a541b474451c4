import 'server-only';
import { readEnv } from '@/lib/config/env';
import { clientIpFrom, parseTrustedProxies, type Cidr } from '@/lib/auth/client-ip';

/**
 * The client's address as the panel sees it — decided here and nowhere else.
 *
 * In production the panel runs behind our own server (scripts/start/panel-server.ts), which
 * owns the socket and rewrites X-Forwarded-For so that its right-most hop is always the
 * socket peer, keeping the hops to its left only when that peer is in POSTERN_TRUSTED_PROXIES.
 * So the right-most hop is the peer, and hops further left are believed only while the peer
 * is a declared proxy (clientIpFrom). Under `next dev` (development only) Next fills the
 * header only when the request has none, so there a client can still name its address.
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

/** POSTERN_TRUSTED_PROXIES, parsed once per value (readEnv refuses a malformed one). */
function trustedProxies(): Cidr[] {
  const raw = process.env.POSTERN_TRUSTED_PROXIES ?? '';
  if (cached?.source !== raw) cached = { source: raw, cidrs: parseTrustedProxies(readEnv().POSTERN_TRUSTED_PROXIES) };
  return cached.cidrs;
}
