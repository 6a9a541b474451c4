import { describe, expect, it } from 'vitest';
import { parseTrustedProxies } from '@/lib/auth/client-ip';
import { forwardedFor } from '@/scripts/start/panel-server';

// The panel server owns the socket, so the X-Forwarded-For that lib/dal/ip.ts reads always
// ends with the real peer: a client's own header survives only in front of a declared proxy.
describe('X-Forwarded-For as the panel server hands it to Next', () => {
  const proxies = parseTrustedProxies('10.0.0.0/8, ::1');
  it.each([
    ['no header: the peer', '203.0.113.9', undefined, '203.0.113.9'],
    ['a forged header from a direct client is replaced', '203.0.113.9', '127.0.0.70', '203.0.113.9'],
    ['a forged chain is replaced', '203.0.113.9', '1.2.3.4, 127.0.0.70', '203.0.113.9'],
    ['a v4-mapped peer in canonical form', '::ffff:203.0.113.9', '127.0.0.70', '203.0.113.9'],
    ['through a trusted proxy: its chain, then the proxy', '10.1.2.3', '198.51.100.7', '198.51.100.7, 10.1.2.3'],
    ['through a trusted IPv6 proxy', '::1', '198.51.100.7', '198.51.100.7, ::1'],
    ['a trusted proxy that sent none', '10.1.2.3', undefined, '10.1.2.3'],
    ['several header lines from a trusted proxy', '10.1.2.3', ['198.51.100.7', '192.0.2.1'], '198.51.100.7, 192.0.2.1, 10.1.2.3'],
  ])('%s', (_name, peer, received, expected) => {
    expect(forwardedFor(peer, received, proxies)).toBe(expected);
  });
});
