// A small authoritative DNS server on loopback for the outbound tests: UDP and TCP on
// the same port, built on dns-packet. It answers MX, A, AAAA, TXT, TLSA, SRV, PTR and CNAME from
// a zone map, NXDOMAIN for unknown names, NODATA for known names without the asked type, and
// can set the AD bit (as a validating resolver would, RFC 4035 §3.2.3), answer SERVFAIL for a
// name, never answer for a name (a resolver's timeout), or hold a name's answers until the test
// lets them go (a slow resolver, without timing anything).
import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';

export interface ZoneEntry {
  MX?: Array<{ preference: number; exchange: string }>;
  A?: string[];
  AAAA?: string[];
  /** Each record: one string, or its character-strings. */
  TXT?: Array<string | string[]>;
  TLSA?: Array<{ usage: number; selector: number; matchingType: number; certificate: Buffer }>;
  /** RFC 2782 service records (`_submissions._tcp.example.org`); target "." means "not offered". */
  SRV?: Array<{ priority: number; weight: number; port: number; target: string }>;
  /** Reverse names (`4.3.2.1.in-addr.arpa`): the host names. */
  PTR?: string[];
  /** An alias: answered for every type asked (the resolver follows it to the target's entry). */
  CNAME?: string;
  /** Answer SERVFAIL for every question about this name. */
  servfail?: boolean;
  /** Never answer questions about this name, so the client times out. */
  silent?: boolean;
  /** Answer questions about this name only once this settles. */
  held?: Promise<unknown>;
  /** Set the AD bit on answers for this name (overrides the server-wide setting). */
  ad?: boolean;
}

export type Zones = Record<string, ZoneEntry>;

export interface DnsServerOptions {
  zones?: Zones;
  /** Set the AD bit on every answer (default false). */
  ad?: boolean;
  address?: string;
}

export interface RunningDnsServer {
  address: string;
  port: number;
  /** `address:port` (bracketed for IPv6), as setServers and POSTERN_DNS_SERVERS take it. */
  server: string;
  /** Replaces the zones. */
  set(zones: Zones): void;
  /** Every question asked, `TYPE name`, in order. */
  queries: string[];
  /** Settles once `TYPE name` has been asked (at once if it was already). */
  asked(query: string): Promise<void>;
  close(): Promise<void>;
}

const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

export async function startDnsServer(options: DnsServerOptions = {}): Promise<RunningDnsServer> {
  const address = options.address ?? '127.0.0.1';
  let zones = new Map<string, ZoneEntry>();
  const set = (z: Zones) => {
    zones = new Map(Object.entries(z).map(([k, v]) => [norm(k), v]));
  };
  set(options.zones ?? {});
  const queries: string[] = [];
  const waiting: { query: string; resolve: () => void }[] = [];
  const asked = (query: string) =>
    queries.includes(query) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ query, resolve }));

  const answer = (msg: Buffer): Buffer | null | Promise<Buffer> => {
    let q: packet.DecodedPacket;
    try {
      q = packet.decode(msg);
    } catch {
      return null;
    }
    const question = q.questions?.[0];
    if (!question) return null;
    const asking = `${question.type} ${norm(question.name)}`;
    queries.push(asking);
    for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i].query === asking) waiting.splice(i, 1)[0].resolve();
    const entry = zones.get(norm(question.name));
    if (entry?.silent) return null;
    const held = entry?.held;
    if (held) return held.then(() => respond(q, question, entry), () => respond(q, question, entry));
    return respond(q, question, entry);
  };

  const respond = (q: packet.DecodedPacket, question: packet.Question, entry: ZoneEntry | undefined): Buffer => {
    const ad = entry?.ad ?? options.ad ?? false;
    const opt = q.additionals?.find((a) => a.type === 'OPT');
    let rcode = 0;
    const answers: packet.Answer[] = [];
    if (!entry) rcode = 3; // NXDOMAIN
    else if (entry.servfail) rcode = 2;
    else {
      const base = { name: question.name, ttl: 60, class: 'IN' as const };
      const target = entry.CNAME ? zones.get(norm(entry.CNAME)) : undefined;
      if (entry.CNAME) answers.push({ ...base, type: 'CNAME', data: entry.CNAME });
      const records = target ?? entry;
      const at = entry.CNAME ? { ...base, name: entry.CNAME } : base;
      switch (question.type) {
        case 'MX':
          for (const data of records.MX ?? []) answers.push({ ...at, type: 'MX', data });
          break;
        case 'A':
          for (const data of records.A ?? []) answers.push({ ...at, type: 'A', data });
          break;
        case 'AAAA':
          for (const data of records.AAAA ?? []) answers.push({ ...at, type: 'AAAA', data });
          break;
        case 'TXT':
          for (const data of records.TXT ?? []) answers.push({ ...at, type: 'TXT', data: typeof data === 'string' ? [data] : data });
          break;
        case 'PTR':
          for (const data of records.PTR ?? []) answers.push({ ...at, type: 'PTR', data });
          break;
        case 'TLSA':
          for (const data of records.TLSA ?? []) answers.push({ ...at, type: 'TLSA', data });
          break;
        case 'SRV':
          for (const data of records.SRV ?? []) answers.push({ ...at, type: 'SRV', data });
          break;
      }
    }
    const flags =
      packet.AUTHORITATIVE_ANSWER |
      (q.flag_rd ? packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE : 0) |
      (ad && rcode === 0 ? packet.AUTHENTIC_DATA : 0) |
      rcode;
    return packet.encode({
      type: 'response',
      id: q.id,
      flags,
      questions: [question],
      answers,
      additionals: opt
        ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: (opt as packet.OptAnswer).flags & packet.DNSSEC_OK, flag_do: (opt as packet.OptAnswer).flag_do, options: [] }]
        : [],
    });
  };

  const family = net.isIPv6(address) ? 'udp6' : 'udp4';
  // UDP on a free port, then TCP on the same one (retry if TCP finds it taken).
  for (let attempt = 0; ; attempt++) {
    const udp = dgram.createSocket(family);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, address, () => resolve());
    });
    const port = udp.address().port;
    const tcp = net.createServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          const reply = answer(buf.subarray(2, 2 + len));
          buf = buf.subarray(2 + len);
          if (!reply) return socket.destroy();
          const write = (r: Buffer) => {
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(r.length);
            socket.write(Buffer.concat([prefix, r]));
          };
          if (reply instanceof Promise) void reply.then(write);
          else write(reply);
        }
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, address, () => resolve(true));
    });
    if (!ok) {
      udp.close();
      if (attempt > 10) throw new Error('dns-server: no port free for both UDP and TCP');
      continue;
    }
    udp.on('message', (msg, rinfo) => {
      const reply = answer(msg);
      if (reply instanceof Promise) {
        void reply.then((r) => {
          try {
            udp.send(r, rinfo.port, rinfo.address);
          } catch {
            // let go after close(): nobody is listening any more
          }
        });
      }
      else if (reply) udp.send(reply, rinfo.port, rinfo.address);
    });
    return {
      address,
      port,
      server: net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`,
      set,
      queries,
      asked,
      close: async () => {
        udp.close();
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
      },
    };
  }
}
