import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { createTestCa } from '@/mail-daemon/testing/smtp-sink';
import { createMtaSts, mxMatches, parsePolicy, parseStsRecord } from './mta-sts';
import { createResolver } from '@/lib/dns/resolver';

// RFC 8461: the TXT record and policy grammar (§3.1, §3.2), MX matching (§4.1), and the
// policy fetch over real HTTPS on loopback with a test CA (§3.3), cached by id (§5.1).


/** Policy hosts that must each be refused: a redirect, HTML, an untrusted certificate, no address. */
const REFUSING_ZONES = {
  '_mta-sts.redirect.test': { TXT: ['v=STSv1; id=r'] },
  'mta-sts.redirect.test': { A: ['127.0.0.5'] },
  '_mta-sts.html.test': { TXT: ['v=STSv1; id=h'] },
  'mta-sts.html.test': { A: ['127.0.0.5'] },
  '_mta-sts.badcert.test': { TXT: ['v=STSv1; id=b'] },
  'mta-sts.badcert.test': { A: ['127.0.0.6'] },
  '_mta-sts.nohost.test': { TXT: ['v=STSv1; id=n'] },
};
describe('parseStsRecord (§3.1)', () => {
  const cases: Array<[string, string[], string | null]> = [
    ['plain record', ['v=STSv1; id=20240101T000000'], '20240101T000000'],
    ['no spaces, trailing semicolon', ['v=STSv1;id=abc123;'], 'abc123'],
    ['extra fields ignored', ['v=STSv1; id=abc; ext=1'], 'abc'],
    ['other TXT records are discarded', ['v=spf1 -all', 'v=STSv1; id=x1'], 'x1'],
    ['two STS records: no policy', ['v=STSv1; id=a', 'v=STSv1; id=b'], null],
    ['no id', ['v=STSv1;'], null],
    ['id too long', [`v=STSv1; id=${'a'.repeat(33)}`], null],
    ['id not alphanumeric', ['v=STSv1; id=ab-c'], null],
    ['wrong version', ['v=STSv2; id=abc'], null],
    ['version not first', ['id=abc; v=STSv1'], null],
    ['no records', [], null],
  ];
  it.each(cases)('%s', (_n, txts, id) => {
    expect(parseStsRecord(txts)?.id ?? null).toBe(id);
  });
});

describe('parsePolicy (§3.2)', () => {
  const ok: Array<[string, string, object]> = [
    ['enforce, CRLF', 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n', { mode: 'enforce', mx: ['mail.example.com', '*.example.net'], maxAge: 86400 }],
    ['testing, LF, no final newline', 'version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 604800', { mode: 'testing', mx: ['mx.example.com'], maxAge: 604800 }],
    ['none needs no mx', 'version: STSv1\nmode: none\nmax_age: 1\n', { mode: 'none', mx: [], maxAge: 1 }],
    ['max_age above the ceiling is capped', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 9999999999\n', { maxAge: 31557600 }],
    ['unknown keys ignored, mx lowercased, trailing dot dropped', 'version: STSv1\nmode: enforce\nfoo: bar\nmx: MX.Example.COM.\nmax_age: 10\n', { mx: ['mx.example.com'] }],
  ];
  it.each(ok)('accepts: %s', (_n, text, expected) => {
    expect(parsePolicy(text)).toMatchObject(expected);
  });
  const bad: Array<[string, string, RegExp]> = [
    ['no version', 'mode: enforce\nmx: a.example\nmax_age: 1\n', /no version/],
    ['wrong version', 'version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n', /version/],
    ['unknown mode', 'version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n', /mode/],
    ['enforce without mx', 'version: STSv1\nmode: enforce\nmax_age: 1\n', /no mx/],
    ['no max_age', 'version: STSv1\nmode: enforce\nmx: a.example\n', /max_age/],
    ['max_age longer than 10 digits', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999999\n', /max_age/],
    ['max_age not a number', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: soon\n', /max_age/],
    ['a line that is not key: value', 'version: STSv1\nmode enforce\n', /key: value/],
    ['wildcard in the middle', 'version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1\n', /invalid mx/],
    ['an HTML page', '<html><body>hello</body></html>', /key: value/],
  ];
  it.each(bad)('rejects: %s', (_n, text, message) => {
    expect(() => parsePolicy(text)).toThrow(message);
  });
});

describe('mxMatches (§4.1)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['mail.example.com', 'mail.example.com', true],
    ['mail.example.com', 'MAIL.example.com.', true],
    ['mail.example.com', 'mx.example.com', false],
    ['*.example.com', 'mx1.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'mx1.example.com.evil.test', false],
  ];
  it.each(cases)('%s ~ %s → %s', (pattern, host, expected) => {
    expect(mxMatches(pattern, host)).toBe(expected);
  });
});

describe('policy fetch over HTTPS', () => {
  const ca = createTestCa('MTA-STS Test CA');
  const good = ca.issue(['mta-sts.sts.test', 'mta-sts.redirect.test', 'mta-sts.html.test']);
  const untrusted = createTestCa('Someone Else').issue(['mta-sts.badcert.test']);
  let dns: RunningDnsServer;
  let server: https.Server;
  let badServer: https.Server;
  let port: number;
  let fetches = 0;
  let policyText = 'version: STSv1\r\nmode: enforce\r\nmx: *.sts.test\r\nmax_age: 3600\r\n';

  beforeAll(async () => {
    server = https.createServer({ key: good.key, cert: good.cert }, (req, res) => {
      const host = req.headers.host?.split(':')[0];
      if (req.url !== '/.well-known/mta-sts.txt') {
        res.writeHead(404).end();
        return;
      }
      fetches++;
      if (host === 'mta-sts.redirect.test') res.writeHead(302, { location: 'https://mta-sts.sts.test/.well-known/mta-sts.txt' }).end();
      else if (host === 'mta-sts.html.test') res.writeHead(200, { 'content-type': 'text/html' }).end(policyText);
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(policyText);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.5', () => r()));
    port = (server.address() as { port: number }).port;
    badServer = https.createServer({ key: untrusted.key, cert: untrusted.cert }, (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(policyText));
    await new Promise<void>((r) => badServer.listen(port, '127.0.0.6', () => r()));
    dns = await startDnsServer({
      zones: {
        '_mta-sts.sts.test': { TXT: ['v=STSv1; id=one'] },
        'mta-sts.sts.test': { A: ['127.0.0.5'] },
        ...REFUSING_ZONES,
      },
    });
  });

  afterAll(async () => {
    await dns.close();
    server.close();
    badServer.close();
  });

  const zonesWith = (id: string) => ({
    '_mta-sts.sts.test': { TXT: [`v=STSv1; id=${id}`] },
    'mta-sts.sts.test': { A: ['127.0.0.5'] },
  });

  it('fetches, parses and caches by id; a new id refetches', async () => {
    let clock = 1_000_000;
    const sts = createMtaSts(createResolver({ servers: [dns.server], timeoutMs: 2000 }), { ca: ca.cert, httpsPort: port, now: () => clock });
    const before = fetches;
    expect(await sts.lookup('sts.test')).toEqual({ id: 'one', policy: { mode: 'enforce', mx: ['*.sts.test'], maxAge: 3600 } });
    expect(await sts.lookup('STS.test')).toMatchObject({ id: 'one' });
    expect(fetches - before).toBe(1);

    dns.set({ ...zonesWith('two') });
    policyText = 'version: STSv1\r\nmode: testing\r\nmx: mx.sts.test\r\nmax_age: 60\r\n';
    expect(await sts.lookup('sts.test')).toMatchObject({ id: 'two', policy: { mode: 'testing' } });
    expect(fetches - before).toBe(2);

    // §5.1: the TXT record gone, the cached policy still applies until max_age runs out.
    dns.set({});
    expect(await sts.lookup('sts.test')).toMatchObject({ id: 'two' });
    clock += 61_000;
    expect(await sts.lookup('sts.test')).toBeNull();
  });

  it('refuses an untrusted certificate, a redirect, a non-text/plain body, an unresolvable host', async () => {
    dns.set(REFUSING_ZONES);
    const sts = createMtaSts(createResolver({ servers: [dns.server], timeoutMs: 2000 }), { ca: ca.cert, httpsPort: port, timeoutMs: 3000 });
    expect(await sts.lookup('badcert.test')).toBeNull();
    expect(await sts.lookup('redirect.test')).toBeNull();
    expect(await sts.lookup('html.test')).toBeNull();
    expect(await sts.lookup('nohost.test')).toBeNull();
    expect(await sts.lookup('nothing.test')).toBeNull();
  });

  it('without the test CA the good server is not trusted either', async () => {
    dns.set(zonesWith('three'));
    const sts = createMtaSts(createResolver({ servers: [dns.server], timeoutMs: 2000 }), { httpsPort: port });
    expect(await sts.lookup('sts.test')).toBeNull();
  });
});
