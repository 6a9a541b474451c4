import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * POSTERN_TRUSTED_PROXIES: addresses and CIDR blocks separated by commas or spaces (a bare
 * address is its own /32 or /128). The one parser for the panel and the mail listeners;
 * readEnv runs it at start, so a setting that does not parse stops the process there.
 */
export function parseTrustedProxies(list: string): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    // Dotted quads only: ipaddr.js also reads "127.1" and "0x7f.0.0.1", which a reader of the
    // setting would not. No IPv6 zone (fe80::1%eth0): a peer's address never carries one here.
    const v6 = address.includes(':') && !address.includes('%') && ipaddr.IPv6.isValid(address);
    if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !v6) {
      throw new TrustedProxiesError(`not an address: ${entry}`);
    }
    const addr = ipaddr.parse(address);
    const max = addr.kind() === 'ipv4' ? 32 : 128;
    const bits = slash < 0 ? max : /^\d{1,3}$/.test(entry.slice(slash + 1)) ? Number(entry.slice(slash + 1)) : NaN;
    if (!(bits >= 0 && bits <= max)) throw new TrustedProxiesError(`bad prefix length: ${entry}`);
    // A v4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block: peers are compared in canonical form.
    out.push(addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? [(addr as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] : [addr, bits]);
  }
  return out;
}

/** An entry of POSTERN_TRUSTED_PROXIES that is not an address or CIDR block. */
export class TrustedProxiesError extends Error {}

/** The address in canonical form ("::ffff:192.0.2.1" → "192.0.2.1"), or null when it is not an IP address. */
export function canonicalAddress(value: string | undefined): string | null {
  if (!value) return null;
  let v = value.trim();
  // "[2001:db8::1]:443" and "192.0.2.1:443" (some proxies write the port)
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracket) v = bracket[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  try {
    return ipaddr.process(v).toString();
  } catch {
    return null;
  }
}

export function isTrusted(address: string, trusted: Cidr[]): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(address);
  } catch {
    return false;
  }
  return trusted.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range as never, bits));
}

/**
 * The client of a request: the socket peer, unless the peer is a declared proxy; only
 * then the right-most X-Forwarded-For hop that is not itself a declared proxy (each
 * trusted proxy appends the address it saw, so hops right of the first untrusted one are
 * ours, and anything left of it was written by the client). When every hop is a trusted
 * proxy, the left-most one. A hop that is not an IP address stops the walk (the client
 * wrote it), and the last trusted address is the answer.
 */
export function clientIpFrom(input: { peer: string | undefined; forwardedFor: string[]; trustedProxies: Cidr[] }): string | undefined {
  const peer = canonicalAddress(input.peer);
  if (!peer) return input.peer ? input.peer.trim().slice(0, 64) || undefined : undefined;
  let client = peer;
  for (let i = input.forwardedFor.length - 1; i >= 0 && isTrusted(client, input.trustedProxies); i--) {
    const hop = canonicalAddress(input.forwardedFor[i]);
    if (!hop) break;
    client = hop;
  }
  return client;
}
