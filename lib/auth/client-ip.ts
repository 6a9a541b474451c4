import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A comma-separated CIDR list (a bare address is its own /32 or /128); a malformed entry is skipped. */
export function parseTrustedProxies(list: string): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      if (entry.includes('/')) {
        const [range, bits] = ipaddr.parseCIDR(entry);
        out.push(range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] : [range, bits]);
      } else {
        const addr = ipaddr.process(entry);
        out.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      // Not an address: matches nothing (readEnv's caller sees the setting as written).
    }
  }
  return out;
}

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
