// Over 300 lines: TLS policy, replies, routing, smarthost and connections against one loopback world.
import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer, type Zones } from '@/mail-daemon/testing/dns-server';
import { createTestCa, selfSigned, startSmtpSink, type RunningSink } from '@/mail-daemon/testing/smtp-sink';
import { createResolver } from '@/lib/dns/resolver';
import { createTransport, type TransportOptions } from './transport';
import type { DeliveryRequest, Transport } from './types';

// The transport end to end: real DNS on loopback, real SMTP sinks on 127.0.0.x sharing
// one port (the transport's POSTERN_OUTBOUND_PORT), real TLS with a test CA, and a real
// HTTPS server for MTA-STS policies.

const ca = createTestCa('Outbound Test CA');
const goodCert = ca.issue(['mx.good.test', 'mx2.pref.test', 'implicit.test']);
const wrongNameCert = ca.issue(['other.test']);
const untrustedCert = createTestCa('Nobody Trusts Me').issue(['mx.untrusted.test']);
const daneCert = selfSigned(['mx.dane.test']);
const smarthostCert = ca.issue(['relay.smarthost.test']);
const noDsnCert = ca.issue(['mx.nodsn.test']);
const stsCert = ca.issue(['mta-sts.sts.test', 'mta-sts.stsbad.test', 'mta-sts.stsuntrusted.test', 'mta-sts.ststesting.test']);

const POLICIES: Record<string, string> = {
  'mta-sts.sts.test': 'version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmax_age: 3600\r\n',
  'mta-sts.stsbad.test': 'version: STSv1\r\nmode: enforce\r\nmx: mx.wrongname.test\r\nmax_age: 3600\r\n',
  'mta-sts.stsuntrusted.test': 'version: STSv1\r\nmode: enforce\r\nmx: *.untrusted.test\r\nmax_age: 3600\r\n',
  'mta-sts.ststesting.test': 'version: STSv1\r\nmode: testing\r\nmx: mx.good.test\r\nmax_age: 3600\r\n',
};

let dns: RunningDnsServer;
let good: RunningSink;
let wrongName: RunningSink;
let untrusted: RunningSink;
let dane: RunningSink;
let plain: RunningSink;
let noDsn: RunningSink;
let smarthost: RunningSink;
let policyServer: https.Server;
let httpsPort: number;
let transport: Transport;
const transports: Transport[] = [];

const raw = Buffer.from('From: a@example.org\r\nTo: b@good.test\r\nSubject: hello\r\n\r\nBody line\r\n.starts with a dot\r\n');

function request(domain: string, recipients: string[], extra: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return { domain, mailFrom: 'sender@example.org', recipients: recipients.map((address) => ({ address })), raw, tls: 'opportunistic', ...extra };
}

function make(options: Partial<TransportOptions> = {}): Transport {
  const t = createTransport({
    resolver: createResolver({ servers: [dns.server], timeoutMs: 2000 }),
    port: good.port,
    heloName: 'out.postern.test',
    ca: ca.cert,
    mtaSts: { httpsPort, timeoutMs: 5000 },
    idleReuseMs: 0,
    timeouts: { connect: 2000, greeting: 5000, command: 5000, mail: 5000, rcpt: 5000, dataInit: 5000, dataBlock: 5000, dataEnd: 5000 },
    ...options,
  });
  transports.push(t);
  return t;
}

const spkiSha256 = (pem: string) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest();

beforeAll(async () => {
  good = await startSmtpSink({ host: '127.0.0.2', tls: goodCert, size: 100_000 });
  const port = good.port;
  wrongName = await startSmtpSink({ host: '127.0.0.3', port, tls: wrongNameCert });
  untrusted = await startSmtpSink({ host: '127.0.0.4', port, tls: untrustedCert });
  dane = await startSmtpSink({ host: '127.0.0.5', port, tls: daneCert });
  plain = await startSmtpSink({ host: '127.0.0.6', port, tls: null });
  noDsn = await startSmtpSink({ host: '127.0.0.10', port, tls: noDsnCert, dsn: false });
  smarthost = await startSmtpSink({ host: '127.0.0.8', tls: smarthostCert, implicitTls: true, auth: { username: 'relay-user', password: 'relay-pass' } });

  policyServer = https.createServer({ key: stsCert.key, cert: stsCert.cert }, (req, res) => {
    const policy = POLICIES[req.headers.host?.split(':')[0] ?? ''];
    if (!policy || req.url !== '/.well-known/mta-sts.txt') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  await new Promise<void>((r) => policyServer.listen(0, '127.0.0.9', () => r()));
  httpsPort = (policyServer.address() as { port: number }).port;

  const tlsaName = (host: string) => `_${port}._tcp.${host}`;
  const zones: Zones = {
    'good.test': { MX: [{ preference: 10, exchange: 'mx.good.test' }] },
    'mx.good.test': { A: ['127.0.0.2'] },
    'mx.wrongname.test': { A: ['127.0.0.3'] },
    'mx.untrusted.test': { A: ['127.0.0.4'] },
    'mx.plain.test': { A: ['127.0.0.6'] },
    'plain.test': { MX: [{ preference: 10, exchange: 'mx.plain.test' }] },
    'wrongname.test': { MX: [{ preference: 10, exchange: 'mx.wrongname.test' }] },
    'untrusted.test': { MX: [{ preference: 10, exchange: 'mx.untrusted.test' }] },

    'sts.test': { MX: [{ preference: 10, exchange: 'mx.good.test' }, { preference: 5, exchange: 'mx.plain.test' }] },
    '_mta-sts.sts.test': { TXT: ['v=STSv1; id=1'] },
    'mta-sts.sts.test': { A: ['127.0.0.9'] },
    'stsbad.test': { MX: [{ preference: 10, exchange: 'mx.wrongname.test' }] },
    '_mta-sts.stsbad.test': { TXT: ['v=STSv1; id=1'] },
    'mta-sts.stsbad.test': { A: ['127.0.0.9'] },
    'stsuntrusted.test': { MX: [{ preference: 10, exchange: 'mx.untrusted.test' }] },
    '_mta-sts.stsuntrusted.test': { TXT: ['v=STSv1; id=1'] },
    'mta-sts.stsuntrusted.test': { A: ['127.0.0.9'] },
    'ststesting.test': { MX: [{ preference: 10, exchange: 'mx.wrongname.test' }] },
    '_mta-sts.ststesting.test': { TXT: ['v=STSv1; id=1'] },
    'mta-sts.ststesting.test': { A: ['127.0.0.9'] },

    'dane.test': { MX: [{ preference: 10, exchange: 'mx.dane.test' }] },
    'mx.dane.test': { A: ['127.0.0.5'] },
    [tlsaName('mx.dane.test')]: { ad: true, TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: spkiSha256(daneCert.cert) }] },
    'danebad.test': { MX: [{ preference: 10, exchange: 'mx.danebad.test' }] },
    'mx.danebad.test': { A: ['127.0.0.5'] },
    [tlsaName('mx.danebad.test')]: { ad: true, TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) }] },
    'daneunsigned.test': { MX: [{ preference: 10, exchange: 'mx.daneunsigned.test' }] },
    'mx.daneunsigned.test': { A: ['127.0.0.5'] },
    [tlsaName('mx.daneunsigned.test')]: { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) }] },
    'daneplain.test': { MX: [{ preference: 10, exchange: 'mx.daneplain.test' }] },
    'mx.daneplain.test': { A: ['127.0.0.6'] },
    [tlsaName('mx.daneplain.test')]: { ad: true, TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) }] },

    'pref.test': {
      MX: [
        { preference: 30, exchange: 'mx.plain.test' },
        { preference: 10, exchange: 'mx1.pref.test' },
        { preference: 20, exchange: 'mx2.pref.test' },
      ],
    },
    'mx1.pref.test': { A: ['127.0.0.7'] },
    'mx2.pref.test': { A: ['127.0.0.2'] },
    'dead.test': { MX: [{ preference: 10, exchange: 'mx1.pref.test' }, { preference: 20, exchange: 'nonexistent.dead.test' }] },
    'implicit.test': { A: ['127.0.0.2'] },
    'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
    'relay.smarthost.test': { A: ['127.0.0.8'] },
    'nodsn.test': { MX: [{ preference: 10, exchange: 'mx.nodsn.test' }] },
    'mx.nodsn.test': { A: ['127.0.0.10'] },
  };
  dns = await startDnsServer({ zones });
  transport = make();
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all([good, wrongName, untrusted, dane, plain, noDsn, smarthost].map((s) => s?.close()));
  policyServer?.close();
  await dns?.close();
});

describe('TLS policy', () => {
  it('delivers over TLS 1.3 to an MTA-STS enforce domain, verified, only to the MX the policy names', async () => {
    const before = good.transactions.length;
    const plainBefore = plain.transactions.length;
    const res = await transport.deliver(request('sts.test', ['a@sts.test']));
    expect(res.outcomes).toEqual([expect.objectContaining({ address: 'a@sts.test', outcome: 'sent', code: 250 })]);
    expect(res.attempt).toMatchObject({ mxHost: 'mx.good.test', ip: '127.0.0.2', port: good.port, tlsVersion: 'TLSv1.3', verification: 'mta-sts', mtaSts: 'enforce' });
    expect(res.attempt.tlsCipher).toMatch(/^TLS_/);
    expect(res.attempt.durationMs).toBeGreaterThanOrEqual(0);
    expect(good.transactions.length).toBe(before + 1);
    // mx.plain.test has the better preference but is not in the policy (RFC 8461 §4.1).
    expect(plain.transactions.length).toBe(plainBefore);
    const t = good.transactions.at(-1)!;
    expect(t.tls?.protocol).toBe('TLSv1.3');
    expect(t.helo).toBe('out.postern.test');
    expect(t.raw.toString()).toContain('\r\n.starts with a dot\r\n');
  });

  it('defers under MTA-STS enforce when the certificate names another host; the MX receives nothing', async () => {
    const before = wrongName.transactions.length;
    const res = await transport.deliver(request('stsbad.test', ['a@stsbad.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', code: null, enhanced: '4.7.5' });
    expect(res.outcomes[0].reply).toMatch(/MTA-STS/);
    expect(res.attempt).toMatchObject({ mtaSts: 'enforce', mxHost: 'mx.wrongname.test', tlsVersion: 'TLSv1.3' });
    expect(wrongName.transactions.length).toBe(before);
  });

  it('defers under MTA-STS enforce when the certificate comes from an untrusted CA', async () => {
    const before = untrusted.transactions.length;
    const res = await transport.deliver(request('stsuntrusted.test', ['a@stsuntrusted.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.5' });
    expect(untrusted.transactions.length).toBe(before);
  });

  it('MTA-STS testing delivers despite a bad certificate and an MX outside the policy, and says so', async () => {
    const before = wrongName.transactions.length;
    const res = await transport.deliver(request('ststesting.test', ['a@ststesting.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent', code: 250 });
    expect(res.outcomes[0].reply).toMatch(/MTA-STS testing: .*not in the policy.*certificate of mx.wrongname.test not valid/);
    expect(res.attempt).toMatchObject({ mtaSts: 'testing', verification: 'unverified' });
    expect(wrongName.transactions.length).toBe(before + 1);
  });

  it('delivers with DANE-EE when the TLSA record matches the self-signed certificate', async () => {
    const before = dane.transactions.length;
    const res = await transport.deliver(request('dane.test', ['a@dane.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent', code: 250 });
    expect(res.attempt).toMatchObject({ verification: 'dane', mxHost: 'mx.dane.test', tlsVersion: 'TLSv1.3' });
    expect(dane.transactions.length).toBe(before + 1);
  });

  it('defers 4.7.5 when the authenticated TLSA record does not match; nothing is sent', async () => {
    const before = dane.transactions.length;
    const res = await transport.deliver(request('danebad.test', ['a@danebad.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.5' });
    expect(res.outcomes[0].reply).toMatch(/DANE/);
    expect(dane.transactions.length).toBe(before);
  });

  it('ignores a TLSA answer without the AD bit (opportunistic, unverified)', async () => {
    const res = await transport.deliver(request('daneunsigned.test', ['a@daneunsigned.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent' });
    expect(res.attempt.verification).toBe('unverified');
  });

  it('DANE makes TLS mandatory: a peer without STARTTLS is not used', async () => {
    const before = plain.transactions.length;
    const res = await transport.deliver(request('daneplain.test', ['a@daneplain.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.4' });
    expect(plain.transactions.length).toBe(before);
  });

  it('sends in cleartext to a peer without STARTTLS (verification none)', async () => {
    const res = await transport.deliver(request('plain.test', ['a@plain.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent', code: 250 });
    expect(res.attempt).toMatchObject({ verification: 'none', tlsVersion: null, tlsCipher: null, mtaSts: null });
    expect(plain.transactions.at(-1)!.tls).toBeNull();
  });

  it('require-tls defers when the peer offers no STARTTLS', async () => {
    const before = plain.transactions.length;
    const res = await transport.deliver(request('plain.test', ['a@plain.test'], { tls: 'require-tls' }));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.4' });
    expect(plain.transactions.length).toBe(before);
  });

  it('opportunistic TLS takes an unverifiable certificate (unverified); require-verified does not', async () => {
    const a = await transport.deliver(request('untrusted.test', ['a@untrusted.test']));
    expect(a.outcomes[0].outcome).toBe('sent');
    expect(a.attempt.verification).toBe('unverified');
    const b = await transport.deliver(request('untrusted.test', ['a@untrusted.test'], { tls: 'require-verified' }));
    expect(b.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.5' });
    const c = await transport.deliver(request('good.test', ['a@good.test'], { tls: 'require-verified' }));
    expect(c.outcomes[0].outcome).toBe('sent');
    expect(c.attempt.verification).toBe('pkix');
  });
});

describe('replies', () => {
  it('a 550 to one RCPT fails that recipient only; the other is sent in the same transaction', async () => {
    good.rcptReply('bad@good.test', { code: 550, text: '5.1.1 No such user' });
    try {
      const before = good.transactions.length;
      const res = await transport.deliver(request('good.test', ['ok@good.test', 'bad@good.test']));
      expect(res.outcomes).toEqual([
        expect.objectContaining({ address: 'ok@good.test', outcome: 'sent', code: 250 }),
        expect.objectContaining({ address: 'bad@good.test', outcome: 'failed', code: 550, enhanced: '5.1.1' }),
      ]);
      expect(good.transactions.length).toBe(before + 1);
      expect(good.transactions.at(-1)!.rcptTo.map((r) => r.address)).toEqual(['ok@good.test']);
    } finally {
      good.rcptReply('bad@good.test', null);
    }
  });

  it('a 4xx to DATA defers every recipient', async () => {
    good.dataReply({ code: 451, text: '4.3.0 Try again later' });
    try {
      const res = await transport.deliver(request('good.test', ['a@good.test', 'b@good.test']));
      expect(res.outcomes.map((o) => [o.outcome, o.code, o.enhanced])).toEqual([
        ['deferred', 451, '4.3.0'],
        ['deferred', 451, '4.3.0'],
      ]);
    } finally {
      good.dataReply(null);
    }
  });

  it('passes RFC 3461 parameters to a peer that offers DSN', async () => {
    const res = await transport.deliver({
      ...request('good.test', []),
      recipients: [{ address: 'dsn@good.test', dsn: { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;dsn@good.test' } }],
      ret: 'HDRS',
      envid: 'QQ314159',
    });
    const t = good.transactions.at(-1)!;
    expect(t.mailArgs).toMatchObject({ RET: 'HDRS', ENVID: 'QQ314159', SIZE: String(raw.length) });
    expect(t.rcptTo[0].args).toMatchObject({ NOTIFY: 'SUCCESS,FAILURE', ORCPT: 'rfc822;dsn@good.test' });
    // The next hop now owns the NOTIFY duty (RFC 3461 §5.2.2): the runner sends no "relayed" notice.
    expect(res.attempt.nextHopDsn).toBe(true);
  });

  it('sends no RFC 3461 parameters to a peer without DSN, and says the next hop holds no DSN', async () => {
    const res = await transport.deliver({
      ...request('nodsn.test', []),
      recipients: [{ address: 'dsn@nodsn.test', dsn: { notify: ['SUCCESS'], orcpt: 'rfc822;dsn@nodsn.test' } }],
      ret: 'HDRS',
      envid: 'QQ314159',
    });
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent', code: 250 });
    expect(res.attempt).toMatchObject({ mxHost: 'mx.nodsn.test', nextHopDsn: false });
    const t = noDsn.transactions.at(-1)!;
    expect(t.rcptTo.map((r) => r.address)).toEqual(['dsn@nodsn.test']);
    expect(t.mailArgs).not.toHaveProperty('RET');
    expect(t.mailArgs).not.toHaveProperty('ENVID');
    expect(t.rcptTo[0].args).not.toHaveProperty('NOTIFY');
    expect(t.rcptTo[0].args).not.toHaveProperty('ORCPT');
  });

  it('a group refused before any transaction names no next hop DSN', async () => {
    const res = await transport.deliver(request('nullmx.test', ['x@nullmx.test']));
    expect(res.attempt.nextHopDsn).toBeUndefined();
  });

  it('does not send a message larger than the SIZE the peer announced (RFC 1870)', async () => {
    const before = good.transactions.length;
    const big = Buffer.concat([raw, Buffer.alloc(200_000, 'a')]);
    const res = await transport.deliver(request('good.test', ['a@good.test'], { raw: big }));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'failed', code: 552, enhanced: '5.3.4' });
    expect(good.transactions.length).toBe(before);
  });

  it('sends the null reverse-path', async () => {
    const res = await transport.deliver(request('good.test', ['bounce@good.test'], { mailFrom: '' }));
    expect(res.outcomes[0].outcome).toBe('sent');
    expect(good.transactions.at(-1)!.mailFrom).toBe('');
  });
});

describe('routing', () => {
  it('null MX fails 5.1.10 without any connection', async () => {
    const counts = [good, wrongName, untrusted, dane, plain].map((s) => s.connections);
    const res = await transport.deliver(request('nullmx.test', ['a@nullmx.test', 'b@nullmx.test']));
    expect(res.outcomes.map((o) => [o.outcome, o.enhanced])).toEqual([
      ['failed', '5.1.10'],
      ['failed', '5.1.10'],
    ]);
    expect(res.attempt).toMatchObject({ mxHost: null, ip: null, verification: 'none' });
    expect([good, wrongName, untrusted, dane, plain].map((s) => s.connections)).toEqual(counts);
  });

  it('a domain that does not exist fails 5.1.2', async () => {
    const res = await transport.deliver(request('nowhere.test', ['a@nowhere.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'failed', enhanced: '5.1.2' });
  });

  it('tries MX hosts in preference order and falls back when the first refuses connections', async () => {
    const plainBefore = plain.connections;
    const res = await transport.deliver(request('pref.test', ['a@pref.test']));
    expect(res.outcomes[0].outcome).toBe('sent');
    expect(res.attempt).toMatchObject({ mxHost: 'mx2.pref.test', ip: '127.0.0.2', verification: 'pkix' });
    expect(plain.connections).toBe(plainBefore); // preference 30 was never needed
  });

  it('defers 4.4.1 when no MX host answers', async () => {
    const res = await transport.deliver(request('dead.test', ['a@dead.test']));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', code: null, enhanced: '4.4.1' });
    expect(res.attempt).toMatchObject({ mxHost: 'mx1.pref.test', ip: '127.0.0.7' });
  });

  it('delivers to the A record of a domain without MX (implicit MX)', async () => {
    const res = await transport.deliver(request('implicit.test', ['a@implicit.test']));
    expect(res.outcomes[0].outcome).toBe('sent');
    expect(res.attempt).toMatchObject({ mxHost: 'implicit.test', ip: '127.0.0.2', verification: 'pkix' });
  });
});

describe('smarthost', () => {
  const relay = { host: 'relay.smarthost.test', port: 0, security: 'implicit' as const, username: 'relay-user', password: 'relay-pass' };

  it('relays with AUTH over implicit TLS', async () => {
    const res = await transport.deliver(request('anywhere.example', ['x@anywhere.example'], { smarthost: { ...relay, port: smarthost.port } }));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'sent', code: 250 });
    expect(res.attempt).toMatchObject({ mxHost: 'relay.smarthost.test', ip: '127.0.0.8', port: smarthost.port, verification: 'pkix', tlsVersion: 'TLSv1.3' });
    const t = smarthost.transactions.at(-1)!;
    expect(t.user).toBe('relay-user');
    expect(t.rcptTo[0].address).toBe('x@anywhere.example');
  });

  it('defers when the smarthost refuses the credentials', async () => {
    const res = await transport.deliver(request('anywhere.example', ['x@anywhere.example'], { smarthost: { ...relay, port: smarthost.port, password: 'wrong' } }));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', code: 535 });
  });

  it('does not send credentials to a smarthost whose certificate it cannot verify', async () => {
    const t = make({ ca: undefined });
    const before = smarthost.transactions.length;
    const res = await t.deliver(request('anywhere.example', ['x@anywhere.example'], { smarthost: { ...relay, port: smarthost.port } }));
    expect(res.outcomes[0]).toMatchObject({ outcome: 'deferred', enhanced: '4.7.5' });
    expect(smarthost.transactions.length).toBe(before);
  });
});

describe('connections', () => {
  it('reuses an idle connection to the same destination (RSET, then MAIL)', async () => {
    const t = make({ idleReuseMs: 5000 });
    const before = plain.connections;
    const a = await t.deliver(request('plain.test', ['one@plain.test']));
    const b = await t.deliver(request('plain.test', ['two@plain.test']));
    expect([a.outcomes[0].outcome, b.outcomes[0].outcome]).toEqual(['sent', 'sent']);
    expect(plain.connections).toBe(before + 1);
    expect(b.attempt).toMatchObject({ mxHost: 'mx.plain.test', ip: '127.0.0.6' });
    // An idle cleartext connection does not serve a request that requires TLS.
    const c = await t.deliver(request('plain.test', ['three@plain.test'], { tls: 'require-tls' }));
    expect(c.outcomes[0].outcome).toBe('deferred');
    await t.close();
  });

  it('limits concurrent connections per destination', async () => {
    const t = make({ maxPerDestination: 1, idleReuseMs: 5000 });
    const before = plain.connections;
    const results = await Promise.all([1, 2, 3].map((n) => t.deliver(request('plain.test', [`p${n}@plain.test`]))));
    expect(results.map((r) => r.outcomes[0].outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(plain.connections).toBe(before + 1);
    await t.close();
  });

  it('never throws, even for nonsense', async () => {
    const before = good.transactions.length;
    const res = await transport.deliver(request('good.test', ['evil\r\nRCPT TO:<x@y>@good.test', 'fine@good.test']));
    expect(res.outcomes.map((o) => [o.outcome, o.enhanced])).toEqual([
      ['failed', '5.1.3'],
      ['sent', '2.0.0'],
    ]);
    expect(good.transactions.at(-1)!.rcptTo.map((r) => r.address)).toEqual(['fine@good.test']);
    expect(good.transactions.length).toBe(before + 1);
    expect((await transport.deliver(request('good.test', ['a@good.test'], { mailFrom: 'x>\r\nDATA' }))).outcomes[0]).toMatchObject({ outcome: 'failed', enhanced: '5.1.7' });
    expect(await transport.deliver(request('good.test', []))).toMatchObject({ outcomes: [] });
  });
});
