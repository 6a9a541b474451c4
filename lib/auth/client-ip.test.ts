import { describe, expect, it } from 'vitest';
import { canonicalAddress, clientIpFrom, parseTrustedProxies } from './client-ip';

const proxies = parseTrustedProxies('10.0.0.0/8, 192.0.2.5 ::1,fd00::/8');

describe('clientIpFrom: the socket peer unless it is a declared proxy', () => {
  const cases: [string, string | undefined, string[], string, string | undefined][] = [
    ['no header: the peer', '198.51.100.9', [], 'none', '198.51.100.9'],
    ['a forged header from an untrusted peer is ignored', '198.51.100.9', ['127.0.0.70'], 'none', '198.51.100.9'],
    ['forged header, untrusted peer, proxies declared', '198.51.100.9', ['10.1.1.1', '127.0.0.70'], 'set', '198.51.100.9'],
    ['a trusted proxy: the hop it appended', '10.0.0.2', ['203.0.113.4'], 'set', '203.0.113.4'],
    ['a trusted proxy: the right-most untrusted hop, not what the client wrote before it', '10.0.0.2', ['127.0.0.70', '203.0.113.4'], 'set', '203.0.113.4'],
    ['a chain of trusted proxies is walked', '192.0.2.5', ['6.6.6.6', '203.0.113.4', '10.9.9.9', '10.0.0.3'], 'set', '203.0.113.4'],
    ['no proxies declared: a trusted-looking peer is just the peer', '10.0.0.2', ['203.0.113.4'], 'none', '10.0.0.2'],
    ['a trusted proxy with no header: the proxy', '10.0.0.2', [], 'set', '10.0.0.2'],
    ['garbage left of a trusted proxy stops the walk', '10.0.0.2', ['203.0.113.4', 'not-an-ip'], 'set', '10.0.0.2'],
    ['v4-mapped peer is canonical', '::ffff:198.51.100.9', [], 'none', '198.51.100.9'],
    ['v4-mapped trusted proxy', '::ffff:10.0.0.2', ['203.0.113.4'], 'set', '203.0.113.4'],
    ['IPv6 proxy and client', '::1', ['2001:db8::7'], 'set', '2001:db8::7'],
    ['a port on a hop', '10.0.0.2', ['203.0.113.4:5555'], 'set', '203.0.113.4'],
    ['a bracketed v6 hop with a port', 'fd00::1', ['[2001:db8::8]:443'], 'set', '2001:db8::8'],
    ['no peer at all', undefined, [], 'set', undefined],
  ];
  it.each(cases)('%s', (_name, peer, forwardedFor, declared, expected) => {
    expect(clientIpFrom({ peer, forwardedFor, trustedProxies: declared === 'set' ? proxies : [] })).toBe(expected);
  });

  it('parses the list (commas or spaces) and refuses an entry that is not an address or block', () => {
    expect(proxies.map(([a, bits]) => `${a.toString()}/${bits}`)).toEqual(['10.0.0.0/8', '192.0.2.5/32', '::1/128', 'fd00::/8']);
    expect(parseTrustedProxies('')).toEqual([]);
    expect(parseTrustedProxies('::ffff:10.0.0.0/104').map(([a, bits]) => `${a.toString()}/${bits}`)).toEqual(['10.0.0.0/8']);
    for (const [entry, reason] of [
      ['bogus', 'not an address'], ['proxy.example', 'not an address'], ['127.1', 'not an address'], ['0x7f.0.0.1', 'not an address'], ['010.0.0.1', 'not an address'], ['fe80::1%eth0', 'not an address'],
      ['10.0.0.0/33', 'bad prefix length'], ['::1/129', 'bad prefix length'], ['10.0.0.0/', 'bad prefix length'], ['10.0.0.0/-1', 'bad prefix length'], ['10.0.0.0/8/8', 'bad prefix length'],
    ]) {
      expect(() => parseTrustedProxies(`10.0.0.0/8, ${entry}`), entry).toThrow(`${reason}: ${entry}`);
    }
    expect(canonicalAddress('nonsense')).toBeNull();
  });
});
