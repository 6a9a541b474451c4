import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver } from '@/lib/dns/resolver';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { checkHostName, hostNamePrefill, isFullyQualified, localAddresses, rememberedHostNameCheck } from './host-name';

// The host name trap: a bare POSTERN_HOSTNAME, or one that resolves elsewhere, is said out loud.

let dns: RunningDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    zones: { 'mail.here.test': { A: ['127.0.0.1'] }, 'mail.elsewhere.test': { A: ['192.0.2.99'] }, 'mail.broken.test': { servfail: true } },
  });
});
afterAll(async () => dns?.close());

const resolver = () => createResolver({ servers: [dns.server], timeoutMs: 500 });

describe('host name trap', () => {
  it('a bare name or localhost is not fully qualified; certificate forms do not prefill it', () => {
    for (const bare of ['mailhost', 'localhost', 'mail.localhost', '192.0.2.1', '::1']) {
      expect(isFullyQualified(bare)).toBe(false);
      expect(hostNamePrefill(bare)).toBe('');
    }
    expect(hostNamePrefill('Mail.Example.ORG.')).toBe('mail.example.org');
  });

  it('warns for a bare name without asking DNS', async () => {
    const before = dns.queries.length;
    const r = await checkHostName('a1b2c3d4e5', resolver());
    expect(r.warnings).toEqual([expect.stringMatching(/"a1b2c3d4e5", not a fully qualified name/)]);
    expect(dns.queries.length).toBe(before);
  });

  it('no warning when the name resolves to an address of this machine', async () => {
    expect(localAddresses()).toContain('127.0.0.1');
    expect(await checkHostName('mail.here.test', resolver())).toEqual({ host: 'mail.here.test', warnings: [], addresses: ['127.0.0.1'] });
  });

  it('warns when it resolves only elsewhere, or does not resolve', async () => {
    const elsewhere = await checkHostName('mail.elsewhere.test', resolver());
    expect(elsewhere.warnings).toEqual([expect.stringMatching(/resolves to 192\.0\.2\.99, none of them an address of this server/)]);
    expect((await checkHostName('mail.nowhere.test', resolver())).warnings).toEqual([expect.stringMatching(/does not resolve \(DNS NXDOMAIN/)]);
    expect((await checkHostName('mail.broken.test', resolver())).warnings).toEqual([expect.stringMatching(/does not resolve \(DNS SERVFAIL/)]);
  });

  it('the remembered check asks DNS once per host name until it is older than its time to live', async () => {
    const check = rememberedHostNameCheck(resolver, 60_000);
    const asked = () => dns.queries.filter((q) => q.endsWith('mail.here.test')).length;
    const before = asked();
    const first = await check('mail.here.test', 1_000);
    const once = asked();
    expect(once).toBeGreaterThan(before);
    expect(await check('mail.here.test', 60_999)).toEqual(first);
    expect(asked()).toBe(once);
    expect(await check('mail.here.test', 61_000)).toEqual(first);
    expect(asked()).toBeGreaterThan(once);
    expect((await check('mail.elsewhere.test', 61_000)).addresses).toEqual(['192.0.2.99']);
  });

  it('a warning is not remembered: the next check asks again, so a fixed record shows at once', async () => {
    const check = rememberedHostNameCheck(resolver, 60_000);
    const asked = () => dns.queries.filter((q) => q.endsWith('mail.elsewhere.test')).length;
    expect((await check('mail.elsewhere.test', 1_000)).warnings).not.toEqual([]);
    const once = asked();
    await check('mail.elsewhere.test', 2_000);
    expect(asked()).toBeGreaterThan(once);
  });
});
