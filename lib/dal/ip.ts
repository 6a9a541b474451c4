import 'server-only';

/**
 * The client's address as the panel sees it: the first X-Forwarded-For hop (Next's
 * server sets it from the socket; a reverse proxy in front appends to it), else X-Real-IP.
 */
export function clientIp(headers: Headers | Record<string, string | string[] | undefined>): string | undefined {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const forwarded = get('x-forwarded-for')?.split(',')[0]?.trim();
  const ip = forwarded || get('x-real-ip')?.trim();
  if (!ip) return undefined;
  // "::ffff:127.0.0.1" → "127.0.0.1"
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
