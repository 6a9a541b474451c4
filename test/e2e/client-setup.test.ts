// Mail client setup and MTA-STS against the production panel server, over plain sockets (no
// browser): Thunderbird's autoconfig, Outlook's POX autodiscover, the admin's Apple profile
// download and the mailbox page's settings card, the RFC 8461 policy on mta-sts.<domain>; then
// the panel's own HTTPS port (POSTERN_HTTPS_PORT): SNI, rotation, the TLS floor, HTTP's 308.
// Documents are read with Python's ElementTree and plistlib, as a client would read them.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { activateCertificate } from '@/lib/certificates/activate-certificate';
import { createCa } from '@/lib/certificates/create-ca';
import { issueServerCertificate } from '@/lib/certificates/issue-server-certificate';
import { readEnv } from '@/lib/config/env';
import { expectedRecords } from '@/lib/dns-records/expected';
import { addDomain, setDomainEnabled } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { mtaStsId, mtaStsPolicyText, mtaStsRecordValue } from '@/lib/mta-sts/policy';
import { updatePolicy } from '@/lib/policy';
import { freePort } from '@/lib/postgres/embedded';
import { createAdmin, signInHttp, startPanel, type AdminFixture, type Panel } from './index';

const PY = '/usr/bin/python3';
const python = (script: string, input: string) => JSON.parse(execFileSync(PY, ['-c', script], { input, encoding: 'utf8' }));
const MX = 'mail.example.test';
const STRONG = 'Correct-Horse-9-Battery';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The certificate served (HTTPS only). */
  fingerprint?: string;
}

/** One request with the Host header (and SNI) a client of that name would send; fetch cannot set Host. */
function send(base: string, path: string, options: { host?: string; method?: string; body?: string; cookie?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(base);
  const secure = url.protocol === 'https:';
  const host = options.host ?? url.host;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host, ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
        ...(secure ? { servername: host.replace(/:\d+$/, ''), rejectUnauthorized: false, agent: false } : {}),
      },
      (res) => {
        let body = '';
        const fingerprint = secure ? (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256 : undefined;
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const POX = (email: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">\r\n  <Request>\r\n    <EMailAddress>${email}</EMailAddress>\r\n    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>\r\n  </Request>\r\n</Autodiscover>\r\n`;

const READ_AUTOCONFIG = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
p = root.find('emailProvider')
print(json.dumps({'version': root.get('version'), 'id': p.get('id'), 'domain': p.findtext('domain'), 'displayName': p.findtext('displayName'),
  'servers': [{'tag': s.tag, 'type': s.get('type'), **{c.tag: c.text for c in s}} for s in p if s.tag in ('incomingServer', 'outgoingServer')]}))
`;

describe('discovery and MTA-STS over HTTP', () => {
  let panel: Panel;
  let admin: AdminFixture;
  let otherAdmin: AdminFixture;

  beforeAll(async () => {
    panel = await startPanel({ POSTERN_HOSTNAME: MX });
    const db = panel.db.prisma;
    await addDomain(db, SYSTEM, { name: 'example.test' });
    const other = await addDomain(db, SYSTEM, { name: 'other.test' });
    await addDomain(db, SYSTEM, { name: 'off.test' });
    await setDomainEnabled(db, SYSTEM, { name: 'off.test', enabled: false });
    await createMailbox(db, SYSTEM, { address: 'alice@example.test', password: STRONG, name: 'Alice Example' });
    await createMailbox(db, SYSTEM, { address: 'bob@off.test', password: STRONG });
    await updatePolicy(db, SYSTEM, { domainId: other.id, settings: { mtaSts: { mode: 'none' } } });
    admin = await createAdmin(db, { email: 'root@example.test' });
    otherAdmin = await createAdmin(db, { email: 'other@example.test', domainIds: [other.id] });
  }, 600_000);

  afterAll(async () => {
    await panel?.stop();
  });

  it('Thunderbird autoconfig on the domain: every field as Thunderbird reads it, implicit TLS first, no cleartext server', async () => {
    const res = await send(panel.url, '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=Alice%40Example.test', { host: 'example.test' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    const doc = python(READ_AUTOCONFIG, res.body);
    expect(doc).toMatchObject({ version: '1.1', id: 'example.test', domain: 'example.test', displayName: 'example.test' });
    const common = { hostname: MX, authentication: 'password-cleartext', username: '%EMAILADDRESS%' };
    expect(doc.servers).toEqual([
      { tag: 'incomingServer', type: 'imap', port: '993', socketType: 'SSL', ...common },
      { tag: 'incomingServer', type: 'pop3', port: '995', socketType: 'SSL', ...common },
      { tag: 'outgoingServer', type: 'smtp', port: '465', socketType: 'SSL', ...common },
      { tag: 'outgoingServer', type: 'smtp', port: '587', socketType: 'STARTTLS', ...common },
    ]);
  });

  it('autoconfig.<domain>/mail/config-v1.1.xml: the same document, the domain from the Host header when no address is given', async () => {
    const withAddress = await send(panel.url, '/mail/config-v1.1.xml?emailaddress=alice%40example.test', { host: 'autoconfig.example.test' });
    const byHost = await send(panel.url, '/mail/config-v1.1.xml', { host: 'autoconfig.example.test' });
    expect(withAddress.status).toBe(200);
    expect(byHost.body).toBe(withAddress.body);
  });

  it('autoconfig: 404 for an unknown or disabled domain, 400 for a malformed address', async () => {
    expect((await send(panel.url, '/mail/config-v1.1.xml?emailaddress=a%40unknown.test', { host: 'autoconfig.unknown.test' })).status).toBe(404);
    expect((await send(panel.url, '/mail/config-v1.1.xml?emailaddress=bob%40off.test', { host: 'autoconfig.off.test' })).status).toBe(404);
    const bad = await send(panel.url, '/mail/config-v1.1.xml?emailaddress=not%20an%20address', { host: 'autoconfig.example.test' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/cannot contain spaces/);
  });

  it('Outlook POX autodiscover: a real POST answered with IMAP 993 and SMTP 465 over SSL, the address as login name', async () => {
    const res = await send(panel.url, '/autodiscover/autodiscover.xml', { method: 'POST', host: 'autodiscover.example.test', body: POX('alice@example.test'), headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const doc = python(
      `
import sys, json, xml.etree.ElementTree as ET
ns = {'o': 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'}
root = ET.fromstring(sys.stdin.read())
acct = root.find('o:Response/o:Account', ns)
print(json.dumps({'root': root.tag, 'type': acct.findtext('o:AccountType', namespaces=ns), 'action': acct.findtext('o:Action', namespaces=ns),
  'protocols': [{c.tag.split('}')[1]: c.text for c in p} for p in acct.findall('o:Protocol', ns)]}))
`,
      res.body,
    );
    expect(doc).toMatchObject({ root: '{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover', type: 'email', action: 'settings' });
    expect(doc.protocols.map((p: Record<string, string>) => [p.Type, p.Server, p.Port, p.SSL, p.Encryption, p.SPA, p.LoginName])).toEqual([
      ['IMAP', MX, '993', 'on', 'SSL', 'off', 'alice@example.test'],
      ['SMTP', MX, '465', 'on', 'SSL', 'off', 'alice@example.test'],
    ]);
  });

  it('autodiscover: the capitalised path Outlook also uses; 400 malformed, 413 oversized, 404 unknown domain, no GET, no session needed', async () => {
    const capital = await send(panel.url, '/Autodiscover/Autodiscover.xml', { method: 'POST', host: 'example.test', body: POX('alice@example.test') });
    expect(capital.status).toBe(200);
    expect(capital.body).toContain('<LoginName>alice@example.test</LoginName>');
    const malformed = await send(panel.url, '/autodiscover/autodiscover.xml', { method: 'POST', body: '<Autodiscover><Request/></Autodiscover>' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatch(/EMailAddress/);
    const big = await send(panel.url, '/autodiscover/autodiscover.xml', { method: 'POST', body: POX('alice@example.test') + ' '.repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await send(panel.url, '/autodiscover/autodiscover.xml', { method: 'POST', body: POX('a@unknown.test') })).status).toBe(404);
    expect((await send(panel.url, '/autodiscover/autodiscover.xml')).status).toBe(405);
  });

  it('MTA-STS policy on mta-sts.<domain>, line by line against RFC 8461 §3.2, and the text the TXT record id is computed from', async () => {
    const res = await send(panel.url, '/.well-known/mta-sts.txt', { host: 'mta-sts.example.test:443' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const body = res.body;
    expect(body.endsWith('\r\n')).toBe(true);
    expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/); // CRLF only, no bare CR or LF
    const lines = body.split('\r\n').slice(0, -1);
    expect(lines[0]).toBe('version: STSv1'); // §3.2: version first
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9_]+: [\x21-\x7e]+$/); // sts-field = key ":" WSP value
    const fields = lines.map((l) => l.split(': ') as [string, string]);
    expect(fields.filter(([k]) => k === 'mode')).toEqual([['mode', 'testing']]);
    expect(fields.filter(([k]) => k === 'mx')).toEqual([['mx', MX]]);
    const maxAge = Number(fields.find(([k]) => k === 'max_age')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(86_400);
    expect(maxAge).toBeLessThanOrEqual(31_557_600); // §3.2: at most one year
    expect(body).toBe(mtaStsPolicyText({ mode: 'testing', mx: [MX], maxAgeSeconds: maxAge }));
    // The DNS page's `_mta-sts` record is computed from this very text.
    const domain = await panel.db.prisma.domain.findUniqueOrThrow({ where: { name: 'example.test' } });
    const dns = await expectedRecords(panel.db.prisma, domain.id, { env: { ...readEnv({} as NodeJS.ProcessEnv), POSTERN_HOSTNAME: MX } });
    expect(dns.mtaStsPolicy).toBe(body);
    expect(dns.records.find((r) => r.id === 'mta-sts')?.value).toBe(mtaStsRecordValue(body));
    expect(mtaStsRecordValue(body)).toBe(`v=STSv1; id=${mtaStsId(body)}`);
  });

  it('MTA-STS: 404 for mode none, an unknown or disabled domain, and a host that is not mta-sts.<domain>', async () => {
    for (const host of ['mta-sts.other.test', 'mta-sts.unknown.test', 'mta-sts.off.test', 'example.test', panel.url.replace('http://', '')]) {
      expect((await send(panel.url, '/.well-known/mta-sts.txt', { host })).status, host).toBe(404);
    }
  });

  it('the Apple profile: an admin download parsed by plistlib; a domain admin outside the domain is refused; no session is sent to sign in', async () => {
    const cookie = await signInHttp(panel.url, admin.email, admin.password);
    const res = await send(panel.url, '/mailboxes/alice%40example.test/mobileconfig', { cookie });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-apple-aspen-config');
    expect(res.headers['content-disposition']).toBe('attachment; filename="alice@example.test.mobileconfig"');
    const profile = python(`import sys, json, plistlib; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))`, res.body);
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadIdentifier: expect.stringMatching(/^test\.example\.postern\./) });
    expect(profile.PayloadContent).toEqual([
      expect.objectContaining({
        PayloadType: 'com.apple.mail.managed',
        EmailAccountType: 'EmailTypeIMAP',
        EmailAccountName: 'Alice Example',
        IncomingMailServerHostName: MX,
        IncomingMailServerPortNumber: 993,
        IncomingMailServerUseSSL: true,
        OutgoingMailServerHostName: MX,
        OutgoingMailServerPortNumber: 465,
        OutgoingMailServerUseSSL: true,
        IncomingMailServerUsername: 'alice@example.test',
        OutgoingMailServerUsername: 'alice@example.test',
      }),
    ]);
    expect(res.body).not.toMatch(/<key>(Incoming|Outgoing)Password<\/key>/);

    const outsider = await send(panel.url, '/mailboxes/alice%40example.test/mobileconfig', { cookie: await signInHttp(panel.url, otherAdmin.email, otherAdmin.password) });
    expect(outsider.status).toBe(403);
    const anonymous = await send(panel.url, '/mailboxes/alice%40example.test/mobileconfig');
    expect(anonymous.status).toBe(307);
    expect(anonymous.headers.location).toMatch(/\/login\?callbackUrl=/);
  });

  it('the mailbox page shows the same settings in words and links the profile', async () => {
    const cookie = await signInHttp(panel.url, admin.email, admin.password);
    const page = await send(panel.url, '/mailboxes/alice%40example.test', { cookie });
    expect(page.status).toBe(200);
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Mail client settings');
    expect(text).toMatch(/Incoming \(IMAP\) mail\.example\.test 993 SSL\/TLS \(implicit TLS\) alice@example\.test/);
    expect(text).toMatch(/Incoming \(POP3, to download\) mail\.example\.test 995 SSL\/TLS \(implicit TLS\) alice@example\.test/);
    expect(text).toMatch(/Outgoing \(SMTP\) mail\.example\.test 465 SSL\/TLS \(implicit TLS\) alice@example\.test/);
    expect(text).toMatch(/mail\.example\.test 587 STARTTLS alice@example\.test/);
    expect(page.body).toContain('href="/mailboxes/alice%40example.test/mobileconfig"');
  });
});

describe('the panel serving HTTPS itself (POSTERN_HTTPS_PORT)', () => {
  let panel: Panel;
  let httpsUrl: string;
  const CLI = { kind: 'cli', user: 'test' } as const;

  beforeAll(async () => {
    const port = await freePort();
    panel = await startPanel({ POSTERN_HOSTNAME: MX, POSTERN_HTTPS_PORT: String(port) });
    httpsUrl = `https://127.0.0.1:${port}`;
    await addDomain(panel.db.prisma, SYSTEM, { name: 'example.test' });
    // Certificates issued here are sealed with the key the panel unseals them with.
    process.env.POSTERN_SECRET = panel.masterKey;
  }, 600_000);

  afterAll(async () => {
    await panel?.stop();
  });

  it('serves the MTA-STS policy over HTTPS with the bootstrap certificate, and HSTS', async () => {
    const active = await panel.db.prisma.certificate.findFirstOrThrow({ where: { status: 'ACTIVE' } });
    expect(active).toMatchObject({ source: 'SELF_SIGNED', hosts: [MX] });
    const res = await send(httpsUrl, '/.well-known/mta-sts.txt', { host: 'mta-sts.example.test' });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^version: STSv1\r\nmode: testing\r\nmx: mail\.example\.test\r\n/);
    expect(res.fingerprint).toBe(active.fingerprintSha256);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('SNI picks the certificate; an activation is served to the next handshake; TLS 1.1 is refused', async () => {
    await createCa(panel.db.prisma, CLI, { commonName: 'Panel HTTPS e2e CA' });
    const policyHost = await issueServerCertificate(panel.db.prisma, CLI, { hosts: ['mta-sts.example.test', 'autoconfig.example.test'] });
    const mx = await issueServerCertificate(panel.db.prisma, CLI, { hosts: [MX] });
    await activateCertificate(panel.db.prisma, CLI, policyHost.id);
    await activateCertificate(panel.db.prisma, CLI, mx.id);
    const served = async (host: string) => (await send(httpsUrl, '/api/health', { host })).fingerprint;
    await expect.poll(() => served(MX), { timeout: 5000, interval: 50 }).toBe(mx.fingerprintSha256);
    expect(await served('mta-sts.example.test')).toBe(policyHost.fingerprintSha256);
    expect(await served('autoconfig.example.test')).toBe(policyHost.fingerprintSha256);

    const old = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(httpsUrl).port), servername: MX, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false });
      socket.once('secureConnect', () => resolve(`connected with ${socket.getProtocol()}`));
      socket.once('error', (err) => resolve(err.message));
    });
    expect(old).toMatch(/alert protocol version/i);
  });

  it('plain HTTP answers 308 to HTTPS, except the ACME http-01 path, which Next still answers', async () => {
    const port = new URL(httpsUrl).port;
    const login = await send(panel.url, '/login?x=1', { host: 'panel.example.test' });
    expect(login.status).toBe(308);
    expect(login.headers.location).toBe(`https://panel.example.test:${port}/login?x=1`);
    const post = await send(panel.url, '/autodiscover/autodiscover.xml', { method: 'POST', host: 'autodiscover.example.test', body: POX('alice@example.test') });
    expect(post.status).toBe(308);
    const acme = await send(panel.url, '/.well-known/acme-challenge/no-such-token');
    expect(acme.status).toBe(404); // the challenge route's answer for an unknown token, over HTTP
    expect(acme.body).toBe('not found\n');
  });
});
