// A silent DNS server gives ETIMEOUT (temperror for mailauth) within the limits, never a hang.
import { describe, expect, it } from 'vitest';
import { createResolver } from '@/lib/dns/resolver';
import { startDnsServer } from '@/mail-daemon/testing/dns-server';
import { boundedResolver } from './resolver';

describe('bounded lookups', () => {
  it('per lookup and in total', async () => {
    const dns = await startDnsServer({ zones: { 'quiet.test': { silent: true }, 'ok.test': { TXT: ['v=spf1 -all'] } } });
    try {
      const resolve = boundedResolver(createResolver({ servers: [dns.server], timeoutMs: 5_000 }), { lookupMs: 150, totalMs: 400 });
      const started = Date.now();
      await expect(resolve('quiet.test', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await resolve('ok.test', 'TXT')).toEqual([['v=spf1 -all']]);
      await expect(resolve('nothing.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await resolve('quiet.test', 'TXT').catch(() => {});
      await resolve('quiet.test', 'TXT').catch(() => {});
      // The message's deadline has passed: no more waiting at all.
      const late = Date.now();
      await expect(resolve('ok.test', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(Date.now() - late).toBeLessThan(50);
    } finally {
      await dns.close();
    }
  });
});
