// The reverse DNS cache's bounds (reverse-dns.ts): entries, and how long a name and a "none" are
// kept. Real resolver (lib/dns) against a DNS server on loopback; the cache's clock is the
// test's, so expiry is tested without waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver } from '@/lib/dns/resolver';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { ReverseDns, usableHostName } from './reverse-dns';

let dns: RunningDnsServer;
const ptr = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
const asked = (ip: string) => dns.queries.filter((q) => q === `PTR ${ptr(ip)}`).length;

beforeAll(async () => {
  dns = await startDnsServer({
    zones: {
      [ptr('192.0.2.1')]: { PTR: ['one.example'] },
      [ptr('192.0.2.2')]: { PTR: ['two.example'] },
      [ptr('192.0.2.3')]: { PTR: ['three.example'] },
      // A resolver that does not answer in time.
      [ptr('192.0.2.4')]: { silent: true },
      // 192.0.2.5: NXDOMAIN
    },
  });
});
afterAll(async () => {
  await dns?.close();
});

function cache(limits: ConstructorParameters<typeof ReverseDns>[1] = {}) {
  let now = 1_000_000;
  const reverse = new ReverseDns(createResolver({ servers: [dns.server], timeoutMs: 100 }), { nameMs: 1000, noNameMs: 500, ...limits }, () => now);
  return { reverse, advance: (ms: number) => (now += ms), name: (ip: string) => reverse.lookup(ip, 60_000).ready };
}

describe('reverse DNS cache', () => {
  it('holds at most maxEntries addresses, the least recently used going first', async () => {
    const { reverse, name } = cache({ maxEntries: 2 });
    const before = asked('192.0.2.1');
    expect(await name('192.0.2.1')).toBe('one.example');
    expect(await name('192.0.2.2')).toBe('two.example');
    expect(await name('192.0.2.1')).toBe('one.example'); // used again: 192.0.2.2 is now the oldest
    expect(await name('192.0.2.3')).toBe('three.example');
    expect(reverse.size).toBe(2);
    expect(asked('192.0.2.1') - before).toBe(1);
    const two = asked('192.0.2.2');
    expect(await name('192.0.2.2')).toBe('two.example'); // was dropped: asked again
    expect(asked('192.0.2.2')).toBe(two + 1);
  });

  it('a name is kept for nameMs; none (NXDOMAIN, a timeout alike) for noNameMs', async () => {
    const { name, advance, reverse } = cache();
    const counts = () => ['192.0.2.1', '192.0.2.4', '192.0.2.5'].map(asked);
    const start = counts();
    const asks = () => counts().map((n, i) => n - start[i]);
    expect(await name('192.0.2.1')).toBe('one.example');
    expect(await name('192.0.2.4')).toBeNull(); // the resolver timed out
    expect(await name('192.0.2.5')).toBeNull(); // NXDOMAIN
    // c-ares asks a silent server more than once (tries: 2): count what one lookup asks.
    const silent = asks()[1];
    expect(asks()).toEqual([1, silent, 1]);
    advance(499); // within noNameMs: all from the cache
    await Promise.all(['192.0.2.1', '192.0.2.4', '192.0.2.5'].map(name));
    expect(asks()).toEqual([1, silent, 1]);
    advance(2); // past noNameMs
    await Promise.all(['192.0.2.1', '192.0.2.4', '192.0.2.5'].map(name));
    expect(asks()).toEqual([1, silent * 2, 2]);
    advance(500); // past nameMs
    expect(await name('192.0.2.1')).toBe('one.example');
    expect(asks()[0]).toBe(2);
    expect(reverse.size).toBe(3);
  });

  it('what counts as a host name', () => {
    expect(usableHostName('Mail.Example.ORG.')).toBe('mail.example.org');
    expect(usableHostName('_dmarc-x.example')).toBe('_dmarc-x.example');
    expect(usableHostName('bad\r\nname.example')).toBeNull();
    expect(usableHostName('-lead.example')).toBeNull();
    expect(usableHostName('a..b')).toBeNull();
    expect(usableHostName(`${'a'.repeat(64)}.example`)).toBeNull();
    expect(usableHostName(`${'a.'.repeat(127)}ab`)).toBeNull(); // 256 characters
    expect(usableHostName(undefined)).toBeNull();
  });
});
