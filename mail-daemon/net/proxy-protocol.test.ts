import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyV2 } from '@/mail-daemon/testing/proxy';
import { MAX_PROXY_V2_BODY, PROXY_V2_SIGNATURE, parseProxyV2, readProxyHeader, trustedPeers } from './proxy-protocol';

describe('PROXY protocol v2 parser', () => {
  const tlv = Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32]); // PP2_TYPE_ALPN "h2"
  const cases: [string, Buffer, unknown][] = [
    ['IPv4 PROXY', proxyV2({ src: '203.0.113.7', sport: 51000 }), { status: 'ok', header: { command: 'PROXY', source: { address: '203.0.113.7', port: 51000 }, destination: { address: '198.51.100.1', port: 25 } } }],
    ['IPv4 with a TLV after the addresses', proxyV2({ tlv }), { status: 'ok', header: { command: 'PROXY', length: 16 + 12 + 5, source: { address: '203.0.113.7' } } }],
    ['IPv6 PROXY', proxyV2({ family: 2, src: '2001:db8::7', sport: 443 }), { status: 'ok', header: { source: { address: '2001:db8::7', port: 443 }, destination: { address: '2001:db8::1' } } }],
    ['IPv4-mapped IPv6 source reads as IPv4', proxyV2({ family: 2, src: '::ffff:cb00:7107' }), { status: 'ok', header: { source: { address: '203.0.113.7' } } }],
    ['LOCAL (health check): no address', proxyV2({ command: 0, family: 0, transport: 0 }), { status: 'ok', header: { command: 'LOCAL', source: null } }],
    ['LOCAL ignores whatever address block follows', proxyV2({ command: 0 }), { status: 'ok', header: { command: 'LOCAL', length: 28, source: null } }],
    ['PROXY over UNSPEC: keep the socket address', proxyV2({ family: 0, transport: 0 }), { status: 'ok', header: { command: 'PROXY', source: null } }],
    ['truncated signature', PROXY_V2_SIGNATURE.subarray(0, 7), { status: 'incomplete' }],
    ['truncated fixed part', proxyV2().subarray(0, 14), { status: 'incomplete' }],
    ['truncated address block', proxyV2().subarray(0, 20), { status: 'incomplete' }],
    ['wrong signature', Buffer.from('EHLO client.example\r\n'), { status: 'invalid' }],
    ['PROXY v1 text header', Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 51000 25\r\n'), { status: 'invalid' }],
    ['a TLS ClientHello', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), { status: 'invalid' }],
    ['version 1 in the binary header', proxyV2({ version: 1 }), { status: 'invalid', reason: 'version 1' }],
    ['unknown command', proxyV2({ command: 2 }), { status: 'invalid', reason: 'command 2' }],
    ['too long', proxyV2({ length: MAX_PROXY_V2_BODY + 1 }), { status: 'invalid', reason: `header too long (${MAX_PROXY_V2_BODY + 1} bytes)` }],
    ['IPv4 block shorter than 12 bytes', proxyV2({ length: 8 }).subarray(0, 24), { status: 'invalid', reason: 'IPv4 address block truncated' }],
    ['IPv6 block shorter than 36 bytes', Buffer.concat([proxyV2({ family: 2, length: 20 }).subarray(0, 36)]), { status: 'invalid', reason: 'IPv6 address block truncated' }],
    ['UDP', proxyV2({ transport: 2 }), { status: 'invalid', reason: 'not a stream connection' }],
    ['unknown family', proxyV2({ family: 5 }), { status: 'invalid' }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseProxyV2(input)).toMatchObject(expected as object);
  });

  it('trusted peers: addresses and CIDRs, IPv4-mapped peers, nothing when empty', () => {
    const trusted = trustedPeers('10.0.0.0/8, 192.0.2.5 2001:db8::/32');
    expect([trusted('10.1.2.3'), trusted('::ffff:10.1.2.3'), trusted('192.0.2.5'), trusted('192.0.2.6'), trusted('2001:db8::9'), trusted('2001:db9::1')]).toEqual([true, true, true, false, true, false]);
    expect(trustedPeers('')('127.0.0.1')).toBe(false);
    expect(() => trustedPeers('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => trustedPeers('proxy.example')).toThrow(/not an address/);
  });
});

describe('reading the header off a socket', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());

  async function serve(trusted: string, send: (c: net.Socket) => void, timeoutMs = 500) {
    const result = new Promise<{ outcome: unknown; rest: string }>((resolve) => {
      server = net.createServer((s) => {
        s.on('error', () => {});
        void readProxyHeader(s, { trusted: trustedPeers(trusted), timeoutMs }).then((outcome) => {
          let rest = '';
          s.on('data', (d) => (rest += d.toString('latin1')));
          s.resume();
          setTimeout(() => resolve({ outcome, rest }), 100);
        });
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const c = net.connect((server!.address() as net.AddressInfo).port, '127.0.0.1');
    c.on('error', () => {});
    c.on('connect', () => send(c));
    const out = await result;
    c.destroy();
    return out;
  }

  it('gives the source address and leaves the bytes after the header (in the same segment) to the next reader', async () => {
    const r = await serve('127.0.0.0/8', (c) => c.write(Buffer.concat([proxyV2({ src: '198.51.100.77', sport: 1234 }), Buffer.from('A1 CAPABILITY\r\n')])));
    expect(r.outcome).toEqual({ ok: true, remoteAddress: '198.51.100.77', remotePort: 1234, proxied: true });
    expect(r.rest).toBe('A1 CAPABILITY\r\n');
  });

  it('assembles a header sent byte by byte', async () => {
    const header = proxyV2({ src: '198.51.100.78' });
    const r = await serve('127.0.0.1', (c) => {
      c.setNoDelay(true);
      let i = 0;
      const t = setInterval(() => (i < header.length ? c.write(header.subarray(i, ++i)) : clearInterval(t)), 1);
    });
    expect(r.outcome).toMatchObject({ ok: true, remoteAddress: '198.51.100.78' });
  });

  it('refuses an untrusted peer, a missing header (deadline) and garbage', async () => {
    expect((await serve('10.0.0.0/8', (c) => c.write(proxyV2()))).outcome).toMatchObject({ ok: false, reason: /not a trusted proxy/ });
    expect((await serve('127.0.0.1', () => {}, 100)).outcome).toMatchObject({ ok: false, reason: 'no PROXY header in time' });
    expect((await serve('127.0.0.1', (c) => c.write('EHLO x\r\n'))).outcome).toMatchObject({ ok: false, reason: 'not a PROXY v2 signature' });
  });
});
