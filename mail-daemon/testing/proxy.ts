// PROXY protocol v2 headers for tests: what a load balancer in front would send.
import { PROXY_V2_SIGNATURE } from '@/mail-daemon/net/proxy-protocol';

/** A v2 header as HAProxy writes it: signature, ver/cmd, fam/proto, length, addresses, TLVs. */
export function proxyV2(o: { command?: number; family?: number; transport?: number; src?: string; dst?: string; sport?: number; dport?: number; tlv?: Buffer; version?: number; length?: number } = {}): Buffer {
  const family = o.family ?? 1;
  const addr = (ip: string) => (family === 1 ? Buffer.from(ip.split('.').map(Number)) : Buffer.from(expand(ip), 'hex'));
  let block = Buffer.alloc(0);
  if (family === 1 || family === 2) {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(o.sport ?? 40000, 0);
    ports.writeUInt16BE(o.dport ?? 25, 2);
    block = Buffer.concat([addr(o.src ?? (family === 1 ? '203.0.113.7' : '2001:db8::7')), addr(o.dst ?? (family === 1 ? '198.51.100.1' : '2001:db8::1')), ports]);
  }
  const body = Buffer.concat([block, o.tlv ?? Buffer.alloc(0)]);
  const head = Buffer.alloc(4);
  head[0] = ((o.version ?? 2) << 4) | (o.command ?? 1);
  head[1] = (family << 4) | (o.transport ?? 1);
  head.writeUInt16BE(o.length ?? body.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, head, body]);
}

function expand(ip: string): string {
  const [l, r = ''] = ip.split('::');
  const a = l ? l.split(':') : [];
  const b = r ? r.split(':') : [];
  return [...a, ...Array(8 - a.length - b.length).fill('0'), ...b].map((g) => g.padStart(4, '0')).join('');
}

