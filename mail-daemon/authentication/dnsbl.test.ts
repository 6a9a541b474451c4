// RFC 5782 query names and answers, without a network; the wire is covered in arrival.test.ts.
import { describe, expect, it } from 'vitest';
import { startDnsServer } from '@/mail-daemon/testing/dns-server';
import { createResolver } from '@/lib/dns/resolver';
import { classifyAnswer, dnsblName, lookupDnsbl } from './dnsbl';

describe('RFC 5782 §2.1, §2.4 query names', () => {
  it.each([
    ['192.0.2.99', '99.2.0.192.bl.example'],
    ['::ffff:192.0.2.99', '99.2.0.192.bl.example'],
    // §2.4's own example: 2001:db8:1:2:3:4:567:89ab
    ['2001:db8:1:2:3:4:567:89ab', 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example'],
  ])('%s → %s', (ip, name) => expect(dnsblName(ip, 'bl.example')).toBe(name));
});

describe('RFC 5782 §2.1 answers', () => {
  it.each([
    [['127.0.0.2'], 'listed'],
    [['127.0.0.255'], 'listed'],
    [['127.0.0.1'], 'clear'],
    [['127.255.255.254'], 'refused'],
    [['10.0.0.2'], 'clear'],
  ] as const)('%j → %s', (answer, status) => expect(classifyAnswer([...answer])).toBe(status));

  it('several lists: each answered on its own, a silent one is an error, not a listing', async () => {
    const dns = await startDnsServer({ zones: { '2.0.0.127.a.test': { A: ['127.0.0.2'] }, '2.0.0.127.b.test': { silent: true } } });
    try {
      const answers = await lookupDnsbl(createResolver({ servers: [dns.server] }), '127.0.0.2', ['a.test', 'b.test', 'c.test'], { lookupMs: 200, totalMs: 400 });
      expect(answers.map((a) => a.status)).toEqual(['listed', 'error', 'clear']);
    } finally {
      await dns.close();
    }
  });
});
