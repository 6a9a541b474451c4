// The documents mail clients are given, read back the way the clients read them: the autoconfig
// and autodiscover XML with Python's ElementTree, the Apple profile with Python's plistlib.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isServiceError } from '@/lib/errors';
import { autoconfigXml, autodiscoverXml, clientSettings, mobileconfigXml, nameUuid, profileIdentifier, readAutodiscoverRequest } from './index';
import { domainBelow } from './host';

const PY = '/usr/bin/python3';
const python = (script: string, input: string) => JSON.parse(execFileSync(PY, ['-c', script], { input, encoding: 'utf8' }));

const base = { hostname: 'mail.example.test', domain: 'example.test', address: 'alice@example.test', allowCleartextAuth: false };

/** Thunderbird's view: every server as (tag, type, hostname, port, socketType, authentication, username). */
const READ_AUTOCONFIG = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
p = root.find('emailProvider')
servers = [{'tag': s.tag, 'type': s.get('type'), **{c.tag: c.text for c in s}} for s in p if s.tag in ('incomingServer', 'outgoingServer')]
print(json.dumps({'root': root.tag, 'version': root.get('version'), 'id': p.get('id'), 'domain': p.findtext('domain'), 'displayName': p.findtext('displayName'), 'servers': servers}))
`;

describe('settings', () => {
  it('implicit TLS first, STARTTLS second, standard ports, never a cleartext server by default', () => {
    const s = clientSettings(base);
    expect(s.incoming.map((x) => [x.port, x.security])).toEqual([[993, 'tls']]);
    expect(s.outgoing.map((x) => [x.port, x.security])).toEqual([[465, 'tls'], [587, 'starttls']]);
    expect(clientSettings({ ...base, imapStartTls: true }).incoming.map((x) => [x.port, x.security])).toEqual([[993, 'tls'], [143, 'starttls']]);
    expect(s.pop3.map((x) => [x.port, x.security])).toEqual([[995, 'tls']]);
    expect(clientSettings({ ...base, pop3StartTls: true }).pop3.map((x) => [x.port, x.security])).toEqual([[995, 'tls'], [110, 'starttls']]);
  });

  it('a cleartext server only when the policy allows cleartext auth, and last', () => {
    const s = clientSettings({ ...base, imapStartTls: true, allowCleartextAuth: true });
    expect(s.incoming.at(-1)).toMatchObject({ port: 143, security: 'none' });
    expect(s.outgoing.map((x) => x.security)).toEqual(['tls', 'starttls', 'none']);
    // POP3 takes credentials only inside TLS, whatever the policy.
    expect(clientSettings({ ...base, pop3StartTls: true, allowCleartextAuth: true }).pop3.map((x) => x.security)).toEqual(['tls', 'starttls']);
  });
});

describe('Thunderbird autoconfig', () => {
  it('clientConfig 1.1 with every field Thunderbird reads, servers in preference order', () => {
    const doc = python(READ_AUTOCONFIG, autoconfigXml(clientSettings(base)));
    expect(doc).toMatchObject({ root: 'clientConfig', version: '1.1', id: 'example.test', domain: 'example.test', displayName: 'example.test' });
    const common = { hostname: 'mail.example.test', authentication: 'password-cleartext', username: '%EMAILADDRESS%' };
    expect(doc.servers).toEqual([
      { tag: 'incomingServer', type: 'imap', port: '993', socketType: 'SSL', ...common },
      { tag: 'incomingServer', type: 'pop3', port: '995', socketType: 'SSL', ...common },
      { tag: 'outgoingServer', type: 'smtp', port: '465', socketType: 'SSL', ...common },
      { tag: 'outgoingServer', type: 'smtp', port: '587', socketType: 'STARTTLS', ...common },
    ]);
  });

  it('escapes what it inserts and shows an IDN domain in Unicode', () => {
    const xml = autoconfigXml(clientSettings({ ...base, hostname: 'a&b<c>"\'.test', domain: 'xn--mnchen-3ya.test' }));
    const doc = python(READ_AUTOCONFIG, xml);
    expect(doc.servers[0].hostname).toBe('a&b<c>"\'.test');
    expect(doc.displayName).toBe('münchen.test');
    expect(doc.id).toBe('xn--mnchen-3ya.test');
  });
});

describe('Outlook autodiscover', () => {
  const request = (email: string, schema = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a') =>
    `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${email}</EMailAddress><AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request></Autodiscover>`;

  it('reads the address of a POX request, canonical', () => {
    expect(readAutodiscoverRequest(request('Alice@EXAMPLE.test'))).toEqual({ address: 'alice@example.test', domain: 'example.test' });
    expect(readAutodiscoverRequest(request('o&apos;hara&amp;co@example.test'))).toEqual({ address: "o'hara&co@example.test", domain: 'example.test' });
    expect(readAutodiscoverRequest('<a:Autodiscover xmlns:a="x"><a:Request><a:EMailAddress>b@example.test</a:EMailAddress></a:Request></a:Autodiscover>').address).toBe('b@example.test');
  });

  it.each([
    ['not XML at all', 'hello'],
    ['no address', '<Autodiscover><Request></Request></Autodiscover>'],
    ['an empty request', '<Autodiscover><Request/></Autodiscover>'],
    ['not an address', request('nobody')],
    ['another response schema (ActiveSync)', request('a@example.test', 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006')],
    ['a DTD', `<!DOCTYPE x [<!ENTITY e "a@example.test">]>${request('&e;')}`],
  ])('refuses %s with a clear message', (_name, body) => {
    let err: unknown;
    try {
      readAutodiscoverRequest(body);
    } catch (e) {
      err = e;
    }
    expect(isServiceError(err) && err.code).toBe('invalid');
    expect((err as Error).message.length).toBeGreaterThan(10);
  });

  it('answers one IMAP and one SMTP protocol, the preferred of each', () => {
    const xml = autodiscoverXml({ ...clientSettings(base), address: 'alice@example.test' });
    const doc = python(
      `
import sys, json, xml.etree.ElementTree as ET
ns = {'r': 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006', 'o': 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'}
root = ET.fromstring(sys.stdin.read())
acct = root.find('o:Response/o:Account', ns)
print(json.dumps({'root': root.tag, 'type': acct.findtext('o:AccountType', namespaces=ns), 'action': acct.findtext('o:Action', namespaces=ns),
  'protocols': [{c.tag.split('}')[1]: c.text for c in p} for p in acct.findall('o:Protocol', ns)]}))
`,
      xml,
    );
    expect(doc.root).toBe('{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover');
    expect(doc).toMatchObject({ type: 'email', action: 'settings' });
    const common = { Server: 'mail.example.test', LoginName: 'alice@example.test', SPA: 'off', SSL: 'on', Encryption: 'SSL', AuthRequired: 'on', DomainRequired: 'off' };
    expect(doc.protocols).toEqual([
      { Type: 'IMAP', Port: '993', ...common },
      { Type: 'SMTP', Port: '465', ...common, UsePOPAuth: 'off', SMTPLast: 'off' },
    ]);
  });
});

describe('Apple configuration profile', () => {
  const READ_PLIST = `import sys, json, plistlib; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))`;

  it('one com.apple.mail.managed payload naming IMAP 993 and SMTP 465 over SSL, usernames = the address, no password', () => {
    const xml = mobileconfigXml({ ...clientSettings(base), address: 'alice@example.test' }, 'Alice <& Co>');
    const profile = python(READ_PLIST, xml);
    expect(profile).toMatchObject({ PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: profileIdentifier('alice@example.test', 'example.test') });
    expect(profile.PayloadIdentifier).toMatch(/^test\.example\.postern\.[0-9a-f]{12}$/);
    expect(profile.PayloadContent).toHaveLength(1);
    const mail = profile.PayloadContent[0];
    expect(mail).toMatchObject({
      PayloadType: 'com.apple.mail.managed',
      EmailAccountType: 'EmailTypeIMAP',
      EmailAccountName: 'Alice <& Co>',
      EmailAddress: 'alice@example.test',
      IncomingMailServerHostName: 'mail.example.test',
      IncomingMailServerPortNumber: 993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: 'alice@example.test',
      IncomingMailServerAuthentication: 'EmailAuthPassword',
      OutgoingMailServerHostName: 'mail.example.test',
      OutgoingMailServerPortNumber: 465,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: 'alice@example.test',
      OutgoingMailServerAuthentication: 'EmailAuthPassword',
    });
    expect(Object.keys(mail).filter((k) => /password/i.test(k))).toEqual(['OutgoingPasswordSameAsIncomingPassword']);
    expect(mail.PayloadUUID).not.toBe(profile.PayloadUUID);
  });

  it('stable name-based UUIDs: the same address, the same profile', () => {
    const a = python(READ_PLIST, mobileconfigXml({ ...clientSettings(base), address: 'alice@example.test' }));
    const b = python(READ_PLIST, mobileconfigXml({ ...clientSettings(base), address: 'alice@example.test' }));
    const c = python(READ_PLIST, mobileconfigXml({ ...clientSettings(base), address: 'bob@example.test' }));
    expect(a.PayloadUUID).toBe(b.PayloadUUID);
    expect(a.PayloadUUID).not.toBe(c.PayloadUUID);
    expect(nameUuid('x')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});

describe('the domain a Host header names', () => {
  it.each([
    ['mta-sts.example.org', 'example.org'],
    ['MTA-STS.Example.ORG:8443', 'example.org'],
    ['mta-sts.example.org.', 'example.org'],
    ['example.org', null],
    ['mta-sts.', null],
    ['www.mta-sts.example.org', null],
    [null, null],
  ])('%s → %s', (host, domain) => {
    expect(domainBelow(host, 'mta-sts')).toBe(domain);
  });
});
