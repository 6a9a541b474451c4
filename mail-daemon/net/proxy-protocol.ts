// PROXY protocol version 2 (HAProxy's "The PROXY protocol", section 2.2: the binary
// header) for the mail listeners behind a TCP load balancer. Only v2 is read; only from
// peers in POSTERN_TRUSTED_PROXIES; a trusted peer that sends no valid header within the
// deadline, and any untrusted peer, is dropped without a word (nothing may be written
// before the header: the client may be a TLS client).
import net from 'node:net';
import { isTrusted, parseTrustedProxies } from '@/lib/auth/client-ip';
import { normalizeIp } from './slots';

/** \r\n\r\n\0\r\nQUIT\n: the 12-byte v2 signature. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const FIXED = 16;
/**
 * Largest address block + TLVs we accept. The spec's largest address block is 216 bytes
 * (AF_UNIX); HAProxy's TLVs (ALPN, authority, SSL, unique id ≤ 128) fit well below this.
 */
export const MAX_PROXY_V2_BODY = 1024;

export interface ProxyAddress {
  address: string;
  port: number;
}

export type ProxyHeader =
  /** LOCAL (health checks from the proxy itself) or PROXY over UNSPEC/UNIX: keep the socket's addresses. */
  | { command: 'LOCAL' | 'PROXY'; length: number; source: null; destination: null }
  | { command: 'PROXY'; length: number; source: ProxyAddress; destination: ProxyAddress };

export type ProxyParse = { status: 'incomplete' } | { status: 'invalid'; reason: string } | { status: 'ok'; header: ProxyHeader };

/** Parses a v2 header at the start of `buf` (which may hold the client's first bytes after it). */
export function parseProxyV2(buf: Buffer): ProxyParse {
  const sig = Math.min(buf.length, PROXY_V2_SIGNATURE.length);
  if (!buf.subarray(0, sig).equals(PROXY_V2_SIGNATURE.subarray(0, sig))) return { status: 'invalid', reason: 'not a PROXY v2 signature' };
  if (buf.length < FIXED) return { status: 'incomplete' };
  const version = buf[12] >> 4;
  const command = buf[12] & 0x0f;
  if (version !== 2) return { status: 'invalid', reason: `version ${version}` };
  if (command > 1) return { status: 'invalid', reason: `command ${command}` };
  const family = buf[13] >> 4;
  const transport = buf[13] & 0x0f;
  const body = buf.readUInt16BE(14);
  if (body > MAX_PROXY_V2_BODY) return { status: 'invalid', reason: `header too long (${body} bytes)` };
  if (buf.length < FIXED + body) return { status: 'incomplete' };
  const length = FIXED + body;
  // LOCAL: the receiver must ignore the address block (spec 2.2).
  if (command === 0) return { status: 'ok', header: { command: 'LOCAL', length, source: null, destination: null } };
  if (family > 3) return { status: 'invalid', reason: `address family ${family}` };
  if (transport > 2) return { status: 'invalid', reason: `transport ${transport}` };
  if (family === 0 || family === 3) return { status: 'ok', header: { command: 'PROXY', length, source: null, destination: null } };
  if (transport !== 1) return { status: 'invalid', reason: 'not a stream connection' };
  const at = FIXED;
  if (family === 1) {
    if (body < 12) return { status: 'invalid', reason: 'IPv4 address block truncated' };
    const v4 = (o: number) => `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
    return {
      status: 'ok',
      header: { command: 'PROXY', length, source: { address: v4(at), port: buf.readUInt16BE(at + 8) }, destination: { address: v4(at + 4), port: buf.readUInt16BE(at + 10) } },
    };
  }
  if (body < 36) return { status: 'invalid', reason: 'IPv6 address block truncated' };
  const v6 = (o: number) => {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(o + i).toString(16));
    return compressV6(groups);
  };
  return {
    status: 'ok',
    header: { command: 'PROXY', length, source: { address: v6(at), port: buf.readUInt16BE(at + 32) }, destination: { address: v6(at + 16), port: buf.readUInt16BE(at + 34) } },
  };
}

/** RFC 5952 text form; IPv4-mapped addresses as their IPv4 address. */
function compressV6(groups: string[]): string {
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const a = parseInt(groups[6], 16);
    const b = parseInt(groups[7], 16);
    return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** POSTERN_TRUSTED_PROXIES (comma- or space-separated addresses and CIDRs) as a matcher. */
export function trustedPeers(list: string): (ip: string) => boolean {
  // The panel's parser: one reading of the setting for HTTP and for the mail listeners.
  const blocks = parseTrustedProxies(list);
  return (ip) => blocks.length > 0 && isTrusted(normalizeIp(ip), blocks);
}

export interface ProxyProtocolOptions {
  /** The peer may send a header (POSTERN_TRUSTED_PROXIES). */
  trusted: (ip: string) => boolean;
  /** Time for the whole header to arrive. */
  timeoutMs: number;
}

export type ProxyOutcome = { ok: true; remoteAddress: string; remotePort: number; proxied: boolean } | { ok: false; reason: string };

/**
 * Reads the v2 header off a freshly accepted socket, before anything else reads it.
 * Bytes after the header stay in the socket for whoever reads next (a TLS handshake, the
 * session). The socket is left paused; on failure the caller destroys it.
 */
export function readProxyHeader(socket: net.Socket, options: ProxyProtocolOptions): Promise<ProxyOutcome> {
  const peer = normalizeIp(socket.remoteAddress);
  if (!options.trusted(peer)) return Promise.resolve({ ok: false, reason: `peer ${peer} is not a trusted proxy` });
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (outcome: ProxyOutcome, rest?: Buffer) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      clearTimeout(timer);
      socket.pause();
      if (rest?.length) socket.unshift(rest);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const parsed = parseProxyV2(buf);
      if (parsed.status === 'incomplete') return;
      if (parsed.status === 'invalid') return done({ ok: false, reason: parsed.reason });
      const h = parsed.header;
      const rest = buf.subarray(h.length);
      if (h.source) done({ ok: true, remoteAddress: normalizeIp(h.source.address), remotePort: h.source.port, proxied: true }, rest);
      else done({ ok: true, remoteAddress: peer, remotePort: socket.remotePort ?? 0, proxied: false }, rest);
    };
    const onClose = () => done({ ok: false, reason: 'closed before the PROXY header' });
    const timer = setTimeout(() => done({ ok: false, reason: 'no PROXY header in time' }), options.timeoutMs);
    timer.unref();
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

/** The listeners' PROXY protocol settings from the environment: null unless POSTERN_PROXY_PROTOCOL. */
export function proxyProtocolFromEnv(env: { POSTERN_PROXY_PROTOCOL: boolean; POSTERN_TRUSTED_PROXIES: string }, timeoutMs = 5_000): ProxyProtocolOptions | null {
  if (!env.POSTERN_PROXY_PROTOCOL) return null;
  return { trusted: trustedPeers(env.POSTERN_TRUSTED_PROXIES), timeoutMs };
}
