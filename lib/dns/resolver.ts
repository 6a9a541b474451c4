import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';

// The DNS the daemon and the panel need: MX, A/AAAA, TXT, PTR through node:dns (c-ares),
// and TLSA through our own query so we can read the AD bit, which node:dns does not expose.
// One resolver for outbound routing, the authentication checks (SPF, DKIM, DMARC) and the
// panel's DNS checks, configured by POSTERN_DNS_SERVERS.
// RFC 7672 §2.1: a TLSA answer counts only when a validating resolver vouches for it
// (AD set); we trust the configured resolver to validate, as RFC 6698 §4.1 allows when
// the path to it is trusted (loopback or the local network).

/**
 * NXDOMAIN and NODATA are definite answers ("no such record"): permanent. Everything
 * else (SERVFAIL, timeout, refused, a broken answer) may pass: temporary.
 */
export type DnsErrorCode = 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'TIMEOUT' | 'REFUSED' | 'OTHER';

export class DnsError extends Error {
  readonly permanent: boolean;
  constructor(
    readonly code: DnsErrorCode,
    /** The name that was looked up. */
    readonly query: string,
    detail?: string,
  ) {
    super(`DNS ${code} for ${query}${detail ? `: ${detail}` : ''}`);
    this.name = 'DnsError';
    this.permanent = code === 'NXDOMAIN' || code === 'NODATA';
  }
}

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  data: Buffer;
}

export interface TlsaAnswer {
  records: TlsaRecord[];
  /** The AD bit of the answer (RFC 4035 §3.2.3): the resolver validated it. */
  authenticated: boolean;
}

export interface DnsResolver {
  /** MX records as published. NODATA and NXDOMAIN throw DnsError (permanent). */
  mx(domain: string): Promise<MxRecord[]>;
  /** AAAA then A. Throws only when neither family has an address. */
  addresses(host: string): Promise<string[]>;
  /** TXT records, each record's character-strings joined (RFC 7208 §3.3 style). */
  txt(name: string): Promise<string[]>;
  /** NXDOMAIN/NODATA give no records (with the AD bit of that answer); other failures throw. */
  tlsa(name: string): Promise<TlsaAnswer>;
  /** Reverse DNS (PTR) names of an IP address. NODATA and NXDOMAIN throw DnsError (permanent). */
  ptr(ip: string): Promise<string[]>;
  /**
   * Any record type, answered in node:dns's shapes and rejected with node:dns's error codes
   * (ENOTFOUND, ENODATA, ETIMEOUT, ESERVFAIL…): the form of mailauth's injectable resolver.
   */
  resolve(name: string, rrtype: string): Promise<unknown>;
}

export interface ResolverOptions {
  /** `host`, `host:port`, `[v6]:port`; empty or absent: the system's resolvers. */
  servers?: string[];
  timeoutMs?: number;
}

export interface DnsServer {
  host: string;
  port: number;
}

/** Parses POSTERN_DNS_SERVERS: comma-separated `host` or `host:port` (`[v6]:port` for IPv6). */
export function parseDnsServers(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const s = part.trim();
    if (!s) continue;
    const server = parseServer(s);
    if (!server) throw new Error(`POSTERN_DNS_SERVERS: not an IP address or IP:port: ${s}`);
    out.push(s);
  }
  return out;
}

/** One server string as c-ares' setServers reads it. */
export function parseServer(s: string): DnsServer | null {
  let host = s;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1];
    if (bracket[2]) port = Number(bracket[2]);
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) {
      host = m[1];
      port = Number(m[2]);
    }
  }
  if (!net.isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

function classify(err: unknown, name: string): DnsError {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case dns.NOTFOUND:
      return new DnsError('NXDOMAIN', name);
    case dns.NODATA:
      return new DnsError('NODATA', name);
    case dns.SERVFAIL:
      return new DnsError('SERVFAIL', name);
    case dns.TIMEOUT:
      return new DnsError('TIMEOUT', name);
    case dns.REFUSED:
    case dns.CONNREFUSED:
      return new DnsError('REFUSED', name);
    default:
      return new DnsError('OTHER', name, code ?? String(err));
  }
}

const stripDot = (name: string) => name.replace(/\.$/, '').toLowerCase();

export function createResolver(options: ResolverOptions = {}): DnsResolver {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const r = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
  const configured = options.servers?.filter(Boolean) ?? [];
  if (configured.length) r.setServers(configured);
  const servers = (): DnsServer[] =>
    (configured.length ? configured : dns.getServers()).map(parseServer).filter((s): s is DnsServer => s !== null);

  const call = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw classify(err, name);
    }
  };

  return {
    async mx(domain) {
      const records = await call(domain, () => r.resolveMx(domain));
      return records.map((m) => ({ exchange: stripDot(m.exchange), priority: m.priority }));
    },

    async addresses(host) {
      // RFC 5321 §5.1: both families; IPv6 first (RFC 6724 default preference).
      const [v6, v4] = await Promise.allSettled([
        call(host, () => r.resolve6(host)),
        call(host, () => r.resolve4(host)),
      ]);
      const found = [...(v6.status === 'fulfilled' ? v6.value : []), ...(v4.status === 'fulfilled' ? v4.value : [])];
      if (found.length) return found;
      const errors = [v6, v4].map((s) => (s.status === 'rejected' ? (s.reason as DnsError) : new DnsError('NODATA', host)));
      // A temporary failure of either family may hide an address: temporary wins.
      const temporary = errors.find((e) => !e.permanent);
      if (temporary) throw temporary;
      throw errors.find((e) => e.code === 'NXDOMAIN') ?? errors[0];
    },

    async txt(name) {
      const records = await call(name, () => r.resolveTxt(name));
      return records.map((chunks) => chunks.join(''));
    },

    async ptr(ip) {
      const names = await call(ip, () => r.reverse(ip));
      return names.map(stripDot);
    },

    resolve(name, rrtype) {
      return r.resolve(name, rrtype);
    },

    async tlsa(name) {
      const list = servers();
      if (!list.length) throw new DnsError('OTHER', name, 'no DNS servers configured');
      let last: DnsError = new DnsError('TIMEOUT', name);
      for (const server of list) {
        try {
          return await queryTlsa(server, name, timeoutMs);
        } catch (err) {
          last = err instanceof DnsError ? err : new DnsError('OTHER', name, String(err));
          if (last.permanent) throw last;
        }
      }
      throw last;
    },
  };
}

/** One TLSA query: UDP, then TCP when the answer is truncated (RFC 7766 §5). */
async function queryTlsa(server: DnsServer, name: string, timeoutMs: number): Promise<TlsaAnswer> {
  const id = randomInt(0, 0x10000);
  const query: packet.Packet = {
    type: 'query',
    id,
    // RFC 6840 §5.7: AD in a query asks for the AD bit in the answer; RFC 3225: DO.
    flags: packet.RECURSION_DESIRED | packet.AUTHENTIC_DATA,
    questions: [{ type: 'TLSA', name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: packet.DNSSEC_OK, flag_do: true, options: [] }],
  };
  let answer = await udpQuery(server, packet.encode(query), id, name, timeoutMs);
  if (answer.flag_tc) answer = await tcpQuery(server, packet.encode(query), id, name, timeoutMs);
  const rcode = (answer as packet.DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode === 'NXDOMAIN') return { records: [], authenticated: answer.flag_ad };
  if (rcode === 'SERVFAIL') throw new DnsError('SERVFAIL', name);
  if (rcode === 'REFUSED') throw new DnsError('REFUSED', name);
  if (rcode !== 'NOERROR') throw new DnsError('OTHER', name, rcode);
  const records: TlsaRecord[] = [];
  for (const a of answer.answers ?? []) {
    if (a.type !== 'TLSA') continue; // CNAME chain members; the TLSA at its end carries the data
    const d = a.data;
    records.push({ usage: d.usage, selector: d.selector, matchingType: d.matchingType, data: Buffer.from(d.certificate) });
  }
  return { records, authenticated: answer.flag_ad };
}

function udpQuery(server: DnsServer, message: Buffer, id: number, name: string, timeoutMs: number): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const done = (err: Error | null, value?: packet.DecodedPacket) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new DnsError('TIMEOUT', name)), timeoutMs);
    socket.on('error', (err) => done(classify(err, name)));
    socket.on('message', (msg, rinfo) => {
      // Accept only the answer to our question from the server we asked (RFC 5452 §9.1).
      if (rinfo.address !== server.host || rinfo.port !== server.port) return;
      let decoded: packet.DecodedPacket;
      try {
        decoded = packet.decode(msg);
      } catch {
        return;
      }
      if (decoded.id !== id || decoded.type !== 'response') return;
      done(null, decoded);
    });
    socket.send(message, server.port, server.host, (err) => {
      if (err) done(classify(err, name));
    });
  });
}

function tcpQuery(server: DnsServer, message: Buffer, id: number, name: string, timeoutMs: number): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: packet.DecodedPacket) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new DnsError('TIMEOUT', name)), timeoutMs);
    socket.on('error', (err) => done((err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? new DnsError('REFUSED', name) : classify(err, name)));
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      socket.write(Buffer.concat([len, message]));
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      try {
        const decoded = packet.decode(buf.subarray(2, 2 + len));
        if (decoded.id !== id) return done(new DnsError('OTHER', name, 'answer id mismatch'));
        done(null, decoded);
      } catch (err) {
        done(new DnsError('OTHER', name, String(err)));
      }
    });
    socket.on('close', () => done(new DnsError('OTHER', name, 'connection closed')));
  });
}
