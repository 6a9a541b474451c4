import 'server-only';

/**
 * The client's address as the panel sees it. Next's server sets X-Forwarded-For to the
 * socket address only when the request has none, and a reverse proxy in front appends
 * the address it saw, so the LAST hop is the one a party we run wrote. Exposed without
 * a proxy, a client can still choose this value: the per-account throttle does not
 * depend on it, and production runs behind a proxy that sets the header (README).
 */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined>): string | undefined {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const hops = (get('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const ip = hops[hops.length - 1] || get('x-real-ip')?.trim();
  if (!ip) return undefined;
  // "::ffff:127.0.0.1" → "127.0.0.1"
  return (ip.startsWith('::ffff:') ? ip.slice(7) : ip).slice(0, 64);
}
