import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { createResolver, DnsError, parseDnsServers, type DnsResolver } from '@/lib/dns/resolver';
import { orderMx, route } from './routing';

// RFC 5321 §5.1 routing and RFC 7505 null MX, against a real DNS server on loopback.

let dns: RunningDnsServer;
let resolver: DnsResolver;

beforeAll(async () => {
  dns = await startDnsServer({
    zones: {
      'pref.test': {
        MX: [
          { preference: 20, exchange: 'backup.pref.test' },
          { preference: 10, exchange: 'mx1.pref.test' },
          { preference: 10, exchange: 'mx2.pref.test' },
        ],
      },
      'implicit.test': { A: ['127.0.0.9'], AAAA: ['::1'] },
      'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
      'nomail.test': { TXT: ['nothing here'] },
      'broken.test': { servfail: true },
      'signed.test': { ad: true, TXT: ['v=spf1 -all'] },
      '_25._tcp.mx.signed.test': { ad: true, TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }] },
      '_25._tcp.mx.unsigned.test': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }] },
      '_25._tcp.nodata.test': { ad: true, A: ['127.0.0.1'] },
      'long.test': { TXT: [['v=STSv1; ', 'id=abc']] },
    },
  });
  resolver = createResolver({ servers: [dns.server], timeoutMs: 2000 });
});

afterAll(() => dns.close());

describe('resolver', () => {
  it('reads MX, both address families and TXT through node:dns', async () => {
    expect((await resolver.mx('pref.test')).length).toBe(3);
    expect(await resolver.addresses('implicit.test')).toEqual(['::1', '127.0.0.9']);
    expect(await resolver.txt('long.test')).toEqual(['v=STSv1; id=abc']);
  });

  it('classifies NXDOMAIN and NODATA as permanent, SERVFAIL as temporary', async () => {
    const nx = await resolver.mx('nowhere.test').catch((e: DnsError) => e);
    expect(nx).toBeInstanceOf(DnsError);
    expect(nx).toMatchObject({ code: 'NXDOMAIN', permanent: true });
    await expect(resolver.mx('implicit.test')).rejects.toMatchObject({ code: 'NODATA', permanent: true });
    await expect(resolver.mx('broken.test')).rejects.toMatchObject({ code: 'SERVFAIL', permanent: false });
    await expect(resolver.addresses('broken.test')).rejects.toMatchObject({ permanent: false });
  });

  it('times out against a server that does not answer (temporary)', async () => {
    const dead = createResolver({ servers: ['127.0.0.1:9'], timeoutMs: 200 });
    await expect(dead.mx('pref.test')).rejects.toMatchObject({ permanent: false });
    await expect(dead.tlsa('_25._tcp.mx.signed.test')).rejects.toMatchObject({ permanent: false });
  });

  it('returns TLSA records with the AD bit of the answer', async () => {
    const signed = await resolver.tlsa('_25._tcp.mx.signed.test');
    expect(signed.authenticated).toBe(true);
    expect(signed.records).toEqual([{ usage: 3, selector: 1, matchingType: 1, data: Buffer.alloc(32, 7) }]);
    expect((await resolver.tlsa('_25._tcp.mx.unsigned.test')).authenticated).toBe(false);
    expect(await resolver.tlsa('_25._tcp.nodata.test')).toEqual({ records: [], authenticated: true });
    expect((await resolver.tlsa('_25._tcp.none.test')).records).toEqual([]);
    await expect(resolver.tlsa('broken.test')).rejects.toMatchObject({ code: 'SERVFAIL' });
    expect(dns.queries).toContain('TLSA _25._tcp.mx.signed.test');
  });

  it('parses POSTERN_DNS_SERVERS', () => {
    expect(parseDnsServers('')).toEqual([]);
    expect(parseDnsServers(undefined)).toEqual([]);
    expect(parseDnsServers(' 127.0.0.1, 10.0.0.1:5353 ,[::1]:53,::1')).toEqual(['127.0.0.1', '10.0.0.1:5353', '[::1]:53', '::1']);
    expect(() => parseDnsServers('resolver.example')).toThrow(/not an IP/);
    expect(() => parseDnsServers('127.0.0.1:99999')).toThrow();
  });
});

describe('route (RFC 5321 §5.1)', () => {
  it('orders MX by preference, random among equals', async () => {
    const first = await route(resolver, 'pref.test', () => 0);
    const second = await route(resolver, 'pref.test', () => 0.99);
    expect(first.ok && first.hosts.map((h) => h.host).at(-1)).toBe('backup.pref.test');
    const heads = [first, second].map((r) => (r.ok ? r.hosts.slice(0, 2).map((h) => h.host).sort() : []));
    expect(heads).toEqual([['mx1.pref.test', 'mx2.pref.test'], ['mx1.pref.test', 'mx2.pref.test']]);
    // Both orders of the equal pair occur, depending on the random source.
    expect(first.ok && second.ok && first.hosts[0].host !== second.hosts[0].host).toBe(true);
  });

  it('orderMx drops duplicates and trailing dots', () => {
    expect(orderMx([{ exchange: 'A.test.', priority: 5 }, { exchange: 'a.test', priority: 5 }, { exchange: 'b.test', priority: 1 }])).toEqual([
      { host: 'b.test', preference: 1, implicit: false },
      { host: 'a.test', preference: 5, implicit: false },
    ]);
  });

  it('uses the address records of the domain as an implicit MX when there is no MX', async () => {
    expect(await route(resolver, 'implicit.test')).toEqual({ ok: true, hosts: [{ host: 'implicit.test', preference: 0, implicit: true }] });
  });

  it('fails 5.1.10 on a null MX (RFC 7505)', async () => {
    expect(await route(resolver, 'nullmx.test')).toMatchObject({ ok: false, failure: { outcome: 'failed', code: 556, enhanced: '5.1.10' } });
  });

  it('fails 5.1.2 for a domain that does not exist, or has neither MX nor address', async () => {
    expect(await route(resolver, 'nowhere.test')).toMatchObject({ ok: false, failure: { outcome: 'failed', enhanced: '5.1.2' } });
    expect(await route(resolver, 'nomail.test')).toMatchObject({ ok: false, failure: { outcome: 'failed', enhanced: '5.1.2' } });
  });

  it('defers 4.4.3 when the DNS fails temporarily', async () => {
    expect(await route(resolver, 'broken.test')).toMatchObject({ ok: false, failure: { outcome: 'deferred', code: null, enhanced: '4.4.3' } });
  });
});
