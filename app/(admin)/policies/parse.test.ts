import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, policySchema } from '@/lib/policy';
import { normalizeAddress, normalizeDomain } from '@/lib/validations';
import { POLICY_FIELDS, POLICY_GROUPS, getPath, setPath } from './fields';
import { bytesToInput, describeValue, fieldForPath, modeName, parsePolicyForm, policyToFormValues, withoutDefaults, type PolicyParsers } from './parse';
import { policySchemaError } from './schema-error';

const parsers: PolicyParsers = {
  bytes: (s: string) => {
    const m = /^(\d+)([KMG]?)$/.exec(s);
    if (!m) throw new Error('bad size');
    return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
  },
  domain: (s: string) => normalizeDomain(s),
  address: (s: string) => normalizeAddress(s).address,
  schema: policySchemaError,
};

const globalForm: Record<string, string> = {
  requireTlsMx: 'on',
  minTlsVersion: 'TLSv1.3',
  maxMessageBytes: '25M',
  maxRecipients: '50',
  relayNetworks: '10.0.0.0/8\n192.168.0.0/16',
  recipientDelimiter: '+',
  'password.minLength': '14',
  'password.minClasses': '3',
  defaultQuotaBytes: '2G',
  'bruteForce.maxFailures': '5',
  'bruteForce.windowSeconds': '900',
  'bruteForce.lockoutSeconds': '600',
  retryBaseSeconds: '300',
  retryMaxSeconds: '14400',
  queueLifetimeHours: '120',
  delayWarningHours: '4',
  renewDaysBefore: '30',
  outboundTls: 'opportunistic',
  // The inbound checks, DKIM and DNS record fields at their defaults.
  authChecks: 'on',
  dmarcEnforce: 'on',
  spfFailAction: 'junk',
  dnsblZones: '',
  'greylisting.delaySeconds': '300',
  'greylisting.retryWindowHours': '24',
  'greylisting.passDays': '36',
  dkimRetireGraceDays: '7',
  spfRecord: 'v=spf1 mx -all',
  'dmarc.policy': 'quarantine',
  'dmarc.reportAddress': '',
  'mtaSts.mode': 'testing',
  'mtaSts.maxAgeSeconds': '604800',
  tlsRptAddress: '',
};
const getter = (form: Record<string, string>) => (name: string) => form[name] ?? null;

describe('policy form', () => {
  it('every field has a label and a one-line explanation', () => {
    for (const f of POLICY_FIELDS) {
      expect(f.label.length).toBeGreaterThan(3);
      expect(f.help).not.toMatch(/\n/);
    }
    expect(new Set(POLICY_FIELDS.map((f) => f.path)).size).toBe(POLICY_FIELDS.length);
  });

  it('parses the global form into a nested settings object; unchecked boxes are false', () => {
    const { settings, fieldErrors } = parsePolicyForm(getter(globalForm), 'global', parsers);
    expect(fieldErrors).toEqual({});
    expect(settings).toEqual({
      requireTlsMx: true,
      minTlsVersion: 'TLSv1.3',
      allowCleartextAuth: false,
      maxMessageBytes: 25 * 1024 ** 2,
      maxRecipients: 50,
      relayNetworks: ['10.0.0.0/8', '192.168.0.0/16'],
      recipientDelimiter: '+',
      enforceSenderAddress: false,
      password: { minLength: 14, minClasses: 3 },
      defaultQuotaBytes: 2 * 1024 ** 3,
      requireTotp: false,
      requireAppPasswords: false,
      allowForwarding: false,
      bruteForce: { maxFailures: 5, windowSeconds: 900, lockoutSeconds: 600 },
      retryBaseSeconds: 300,
      retryMaxSeconds: 14400,
      queueLifetimeHours: 120,
      delayWarningHours: 4,
      outboundTls: 'opportunistic',
      outboundTlsRules: [],
      smarthost: null,
      authChecks: true,
      dmarcEnforce: true,
      spfFailAction: 'junk',
      dnsblZones: [],
      greylisting: { enabled: false, delaySeconds: 300, retryWindowHours: 24, passDays: 36 },
      dkimRetireGraceDays: 7,
      renewDaysBefore: 30,
      spfRecord: 'v=spf1 mx -all',
      dmarc: { policy: 'quarantine', reportAddress: '' },
      mtaSts: { mode: 'testing', maxAgeSeconds: 604800 },
      tlsRptAddress: '',
    });
  });

  it('a domain keeps only overridden fields, never global-only ones', () => {
    const form = {
      ...globalForm,
      [modeName('maxMessageBytes')]: 'override',
      [modeName('password.minLength')]: 'override',
      [modeName('recipientDelimiter')]: 'inherit',
      [modeName('relayNetworks')]: 'override',
      [modeName('maxRecipients')]: 'override',
    };
    const { settings } = parsePolicyForm(getter(form), 'domain', parsers);
    expect(settings).toEqual({ maxMessageBytes: 25 * 1024 ** 2, password: { minLength: 14 } });
    expect(parsePolicyForm(getter({}), 'domain', parsers).settings).toEqual({});
  });

  it('reports bad input per field', () => {
    const form = { ...globalForm, maxRecipients: '0', maxMessageBytes: 'lots', minTlsVersion: 'SSLv3', 'bruteForce.maxFailures': '2.5' };
    const { fieldErrors } = parsePolicyForm(getter(form), 'global', parsers);
    expect(Object.keys(fieldErrors).sort()).toEqual(['bruteForce.maxFailures', 'maxMessageBytes', 'maxRecipients', 'minTlsVersion']);
    expect(fieldErrors.maxRecipients).toBe('At least 1.');
  });

  it('maps schema error paths to form fields', () => {
    expect(fieldForPath('relayNetworks.1')).toBe('relayNetworks');
    expect(fieldForPath('bruteForce.maxFailures')).toBe('bruteForce.maxFailures');
    expect(fieldForPath('nonsense')).toBe('_form');
  });

  it('reads and writes dotted paths', () => {
    const o: Record<string, unknown> = {};
    setPath(o, 'a.b.c', 1);
    expect(o).toEqual({ a: { b: { c: 1 } } });
    expect(getPath(o, 'a.b.c')).toBe(1);
    expect(getPath(o, 'a.x.c')).toBeUndefined();
  });
});

describe('policy helpers', () => {
  it('keeps only the settings that differ from the defaults', () => {
    const defaults = { maxRecipients: 100, relayNetworks: [], bruteForce: { maxFailures: 5, windowSeconds: 900 } };
    expect(
      withoutDefaults({ maxRecipients: 100, relayNetworks: ['10.0.0.0/8'], bruteForce: { maxFailures: 3, windowSeconds: 900 } }, defaults),
    ).toEqual({ relayNetworks: ['10.0.0.0/8'], bruteForce: { maxFailures: 3 } });
    expect(withoutDefaults({ maxRecipients: 100, relayNetworks: [], bruteForce: { maxFailures: 5 } }, defaults)).toEqual({});
  });

  it('writes sizes as exact short inputs', () => {
    expect(bytesToInput(50 * 1024 ** 2)).toBe('50M');
    expect(bytesToInput(1024 ** 3)).toBe('1G');
    expect(bytesToInput(1536 * 1024)).toBe('1536K');
    expect(bytesToInput(1000)).toBe('1000');
    expect(bytesToInput(0)).toBe('0');
  });
});

describe('policy form values', () => {
  it('round-trips through the form', () => {
    const settings = { maxMessageBytes: 25 * 1024 ** 2, relayNetworks: ['10.0.0.0/8', '::1/128'], requireTlsMx: true, bruteForce: { maxFailures: 3 } };
    const values = policyToFormValues(settings);
    expect(values).toEqual({ maxMessageBytes: '25M', relayNetworks: '10.0.0.0/8\n::1/128', requireTlsMx: true, 'bruteForce.maxFailures': '3' });
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
      form[k] = v === true ? 'on' : String(v);
      form[modeName(k)] = 'override';
    }
    const parsed = parsePolicyForm((n) => form[n] ?? null, 'domain', parsers);
    // requireTlsMx is server-wide: a domain form never carries it.
    expect(parsed.settings).toEqual({ maxMessageBytes: 25 * 1024 ** 2, bruteForce: { maxFailures: 3 } });
  });

  it('describes inherited values', () => {
    const field = (path: string) => POLICY_FIELDS.find((f) => f.path === path)!;
    expect(describeValue(field('requireTlsMx'), false)).toBe('off');
    expect(describeValue(field('relayNetworks'), '')).toBe('none');
    expect(describeValue(field('recipientDelimiter'), '+')).toBe('"+"');
  });
});

describe('outbound delivery fields', () => {
  const parse = (over: Record<string, string>) => parsePolicyForm(getter({ ...globalForm, ...over }), 'global', parsers);
  const relay = {
    'smarthost.enabled': 'on',
    'smarthost.host': 'SMTP.Provider.Example',
    'smarthost.port': '465',
    'smarthost.security': 'implicit',
    'smarthost.username': 'postern@provider.example',
    'smarthost.password': 'relay secret',
    'smarthost.domains': 'Gmail.com, outlook.com\nBücher.example',
  };

  it.each([
    ['retry base', { retryBaseSeconds: '60' }, { retryBaseSeconds: 60 }],
    ['delay warning off', { delayWarningHours: '0' }, { delayWarningHours: 0 }],
    ['lifetime a month', { queueLifetimeHours: '720' }, { queueLifetimeHours: 720 }],
    ['require verified', { outboundTls: 'require-verified' }, { outboundTls: 'require-verified' }],
    [
      'two TLS rules, an empty row skipped, domains normalized',
      {
        'outboundTlsRules.0.domain': ' Partner.Example ',
        'outboundTlsRules.0.tls': 'require-verified',
        'outboundTlsRules.1.domain': '',
        'outboundTlsRules.1.tls': 'require-tls',
        'outboundTlsRules.2.domain': 'bücher.example',
        'outboundTlsRules.2.tls': 'opportunistic',
      },
      {
        outboundTlsRules: [
          { domain: 'partner.example', tls: 'require-verified' },
          { domain: 'xn--bcher-kva.example', tls: 'opportunistic' },
        ],
      },
    ],
    [
      'a smarthost with a password for three domains',
      relay,
      {
        smarthost: {
          host: 'smtp.provider.example',
          port: 465,
          security: 'implicit',
          username: 'postern@provider.example',
          password: 'relay secret',
          domains: ['gmail.com', 'outlook.com', 'xn--bcher-kva.example'],
        },
      },
    ],
    [
      'a smarthost for all mail, empty password (keep the stored one)',
      { ...relay, 'smarthost.password': '', 'smarthost.domains': '', 'smarthost.port': '587', 'smarthost.security': 'starttls' },
      { smarthost: { host: 'smtp.provider.example', port: 587, security: 'starttls', username: 'postern@provider.example', domains: [] } },
    ],
    [
      'clearing the stored password',
      { ...relay, 'smarthost.password': '', 'smarthost.clearPassword': 'on', 'smarthost.username': '' },
      { smarthost: { host: 'smtp.provider.example', port: 465, security: 'implicit', username: '', domains: ['gmail.com', 'outlook.com', 'xn--bcher-kva.example'], clearPassword: true } },
    ],
    ['an IP literal relay', { ...relay, 'smarthost.host': '192.0.2.25', 'smarthost.domains': '' }, { smarthost: expect.objectContaining({ host: '192.0.2.25' }) }],
    ['the relay unchecked: fields ignored, no relay', { ...relay, 'smarthost.enabled': '', 'smarthost.host': '' }, { smarthost: null }],
  ])('accepts %s', (_name, form, expected) => {
    const { settings, fieldErrors } = parse(form);
    expect(fieldErrors).toEqual({});
    expect(settings).toMatchObject(expected);
  });

  it.each([
    ['retry base 0', { retryBaseSeconds: '0' }, 'retryBaseSeconds', 'At least 1.'],
    ['retry base a day and more', { retryBaseSeconds: '86401' }, 'retryBaseSeconds', 'At most 86400.'],
    ['retry base with a unit', { retryBaseSeconds: '5m' }, 'retryBaseSeconds', 'Enter a whole number.'],
    ['longest wait below the first', { retryBaseSeconds: '600', retryMaxSeconds: '300' }, 'retryMaxSeconds', 'At least the first retry wait (600 seconds).'],
    ['lifetime 0', { queueLifetimeHours: '0' }, 'queueLifetimeHours', 'At least 1.'],
    ['delay warning negative', { delayWarningHours: '-1' }, 'delayWarningHours', 'Enter a whole number.'],
    ['unknown TLS requirement', { outboundTls: 'require-dane' }, 'outboundTls', 'Choose a TLS requirement.'],
    ['a rule for a non-domain', { 'outboundTlsRules.0.domain': 'not a domain', 'outboundTlsRules.0.tls': 'require-tls' }, 'outboundTlsRules', '"not a domain" is not a domain name (spaces)'],
    [
      'a domain listed twice',
      { 'outboundTlsRules.0.domain': 'a.example', 'outboundTlsRules.0.tls': 'require-tls', 'outboundTlsRules.1.domain': 'A.example', 'outboundTlsRules.1.tls': 'opportunistic' },
      'outboundTlsRules',
      '"A.example" is listed twice.',
    ],
    ['a rule without a requirement', { 'outboundTlsRules.0.domain': 'a.example', 'outboundTlsRules.0.tls': 'strict' }, 'outboundTlsRules', '"a.example": choose a TLS requirement.'],
    ['a relay without a host', { ...relay, 'smarthost.host': ' ' }, 'smarthost.host', "Enter the relay's host name."],
    ['a relay host with a space', { ...relay, 'smarthost.host': 'smtp provider' }, 'smarthost.host', 'Not a host name (e.g. smtp.example.net).'],
    ['port 0', { ...relay, 'smarthost.port': '0' }, 'smarthost.port', 'At least 1.'],
    ['port 70000', { ...relay, 'smarthost.port': '70000' }, 'smarthost.port', 'At most 65535.'],
    ['port by name', { ...relay, 'smarthost.port': 'submission' }, 'smarthost.port', 'Enter a port number.'],
    ['security SSL', { ...relay, 'smarthost.security': 'ssl' }, 'smarthost.security', 'Choose STARTTLS or implicit TLS.'],
    ['a password without a user', { ...relay, 'smarthost.username': '' }, 'smarthost.username', 'A password needs a user name.'],
    ['a new password and clear', { ...relay, 'smarthost.clearPassword': 'on' }, 'smarthost.password', 'Type a new password or clear the stored one, not both.'],
    ['a bad relay domain', { ...relay, 'smarthost.domains': 'gmail.com, localhost' }, 'smarthost.domains', '"localhost" needs a dot (e.g. example.org)'],
  ])('refuses %s with a field error', (_name, form, field, message) => {
    const { fieldErrors } = parse(form);
    expect(fieldErrors).toEqual({ [field]: message });
  });

  it('a parsed global form without the relay is what the policy schema accepts', () => {
    const { settings } = parse({ 'outboundTlsRules.0.domain': 'partner.example', 'outboundTlsRules.0.tls': 'require-verified', outboundTls: 'require-tls' });
    const { smarthost: _none, ...rest } = settings;
    expect(policySchema.safeParse(rest).success).toBe(true);
    expect(withoutDefaults(settings, DEFAULT_POLICY as unknown as Record<string, unknown>)).toEqual({
      requireTlsMx: true,
      minTlsVersion: 'TLSv1.3',
      maxMessageBytes: 25 * 1024 ** 2,
      maxRecipients: 50,
      relayNetworks: ['10.0.0.0/8', '192.168.0.0/16'],
      enforceSenderAddress: false,
      password: { minLength: 14 },
      defaultQuotaBytes: 2 * 1024 ** 3,
      bruteForce: { lockoutSeconds: 600 },
      outboundTls: 'require-tls',
      outboundTlsRules: [{ domain: 'partner.example', tls: 'require-verified' }],
    });
  });

  it('outbound fields are global only: a domain form never carries them', () => {
    const form: Record<string, string> = { ...globalForm, ...relay };
    for (const f of POLICY_FIELDS) form[modeName(f.path)] = 'override';
    const { settings } = parsePolicyForm(getter(form), 'domain', parsers);
    for (const key of ['retryBaseSeconds', 'retryMaxSeconds', 'queueLifetimeHours', 'delayWarningHours', 'outboundTls', 'outboundTlsRules', 'smarthost']) {
      expect(settings).not.toHaveProperty(key);
    }
  });

  it('shows a stored relay without its sealed password, only that one is set', () => {
    const values = policyToFormValues({
      outboundTlsRules: [{ domain: 'partner.example', tls: 'require-tls' }],
      smarthost: { host: 'smtp.provider.example', port: 587, security: 'starttls', username: 'u', passwordSealed: 'v1:iv:tag:body', domains: ['a.example', 'b.example'] },
    });
    expect(values).toEqual({
      outboundTlsRules: [{ domain: 'partner.example', tls: 'require-tls' }],
      'smarthost.enabled': true,
      'smarthost.host': 'smtp.provider.example',
      'smarthost.port': '587',
      'smarthost.security': 'starttls',
      'smarthost.username': 'u',
      'smarthost.domains': 'a.example\nb.example',
      'smarthost.passwordSet': true,
    });
    expect(JSON.stringify(values)).not.toContain('v1:');
    expect(policyToFormValues({ smarthost: null })).toMatchObject({ 'smarthost.enabled': false, 'smarthost.passwordSet': false, 'smarthost.port': '587' });
  });

  it('maps schema errors of the relay to its inputs', () => {
    expect(fieldForPath('smarthost.host')).toBe('smarthost.host');
    expect(fieldForPath('smarthost.domains.3')).toBe('smarthost.domains');
    expect(fieldForPath('smarthost.passwordSealed')).toBe('smarthost.password');
    expect(fieldForPath('outboundTlsRules.2.domain')).toBe('outboundTlsRules');
  });

  it('every outbound number names its unit', () => {
    for (const path of ['retryBaseSeconds', 'retryMaxSeconds', 'queueLifetimeHours', 'delayWarningHours']) {
      expect(POLICY_FIELDS.find((f) => f.path === path)).toMatchObject({ unit: expect.stringMatching(/seconds|hours/), globalOnly: true });
    }
  });
});

describe('inbound checks, DKIM and DNS record fields', () => {
  const parse = (over: Record<string, string>) => parsePolicyForm(getter({ ...globalForm, ...over }), 'global', parsers);

  it('are in their own sections, each with a label and a one-line explanation', () => {
    const groups = Object.fromEntries(POLICY_GROUPS.map((g) => [g.title, g.fields.map((f) => f.path)]));
    expect(groups['Inbound checks']).toEqual([
      'authChecks',
      'dmarcEnforce',
      'spfFailAction',
      'dnsblZones',
      'greylisting.enabled',
      'greylisting.delaySeconds',
      'greylisting.retryWindowHours',
      'greylisting.passDays',
    ]);
    expect(groups.DKIM).toEqual(['dkimRetireGraceDays']);
    expect(groups['DNS records']).toEqual(['spfRecord', 'dmarc.policy', 'dmarc.reportAddress', 'mtaSts.mode', 'mtaSts.maxAgeSeconds', 'tlsRptAddress']);
  });

  it.each([
    ['checks off, SPF fails refused', { authChecks: '', dmarcEnforce: '', spfFailAction: 'reject' }, { authChecks: false, dmarcEnforce: false, spfFailAction: 'reject' }],
    ['two blocklists, one per line, case and a final dot folded', { dnsblZones: 'zen.spamhaus.org\nBL.SpamCop.net.\n' }, { dnsblZones: ['zen.spamhaus.org', 'bl.spamcop.net'] }],
    [
      'greylisting on with its timings',
      { 'greylisting.enabled': 'on', 'greylisting.delaySeconds': '60', 'greylisting.retryWindowHours': '12', 'greylisting.passDays': '30' },
      { greylisting: { enabled: true, delaySeconds: 60, retryWindowHours: 12, passDays: 30 } },
    ],
    ['a key retired at once', { dkimRetireGraceDays: '0' }, { dkimRetireGraceDays: 0 }],
    ['an SPF record with an include, blanks folded', { spfRecord: ' v=spf1 mx   include:_spf.provider.example ~all ' }, { spfRecord: 'v=spf1 mx include:_spf.provider.example ~all' }],
    ['DMARC reject with a report address', { 'dmarc.policy': 'reject', 'dmarc.reportAddress': ' DMARC@Example.ORG ' }, { dmarc: { policy: 'reject', reportAddress: 'dmarc@example.org' } }],
    ['MTA-STS enforced for a year', { 'mtaSts.mode': 'enforce', 'mtaSts.maxAgeSeconds': '31557600' }, { mtaSts: { mode: 'enforce', maxAgeSeconds: 31557600 } }],
    ['a TLS report mailbox', { tlsRptAddress: 'tls-reports@example.org' }, { tlsRptAddress: 'tls-reports@example.org' }],
  ])('accepts %s', (_name, form, expected) => {
    const { settings, fieldErrors } = parse(form);
    expect(fieldErrors).toEqual({});
    expect(settings).toMatchObject(expected);
    const { smarthost: _none, ...rest } = settings;
    expect(policySchema.safeParse(rest).success).toBe(true);
  });

  it.each([
    ['an unknown SPF action', { spfFailAction: 'bounce' }, 'spfFailAction', 'Choose one of: none, junk, reject.'],
    ['a blocklist that is not a zone', { dnsblZones: 'zen.spamhaus.org\nnot_a zone' }, 'dnsblZones', '"not_a": a DNS zone, e.g. zen.spamhaus.org.'],
    ['a blocklist without a dot', { dnsblZones: 'localhost' }, 'dnsblZones', '"localhost": a DNS zone, e.g. zen.spamhaus.org.'],
    ['too many blocklists', { dnsblZones: Array.from({ length: 21 }, (_v, i) => `l${i}.example.org`).join('\n') }, 'dnsblZones', 'At most 20 zones.'],
    ['greylisting delay 0', { 'greylisting.delaySeconds': '0' }, 'greylisting.delaySeconds', 'At least 1.'],
    ['greylisting window of two months', { 'greylisting.retryWindowHours': '1440' }, 'greylisting.retryWindowHours', 'At most 720.'],
    ['a pass period in weeks', { 'greylisting.passDays': '5w' }, 'greylisting.passDays', 'Enter a whole number.'],
    ['a grace of two years', { dkimRetireGraceDays: '730' }, 'dkimRetireGraceDays', 'At most 365.'],
    ['an SPF record without v=spf1', { spfRecord: 'mx -all' }, 'spfRecord', 'Starts with v=spf1.'],
    ['an unknown DMARC policy', { 'dmarc.policy': 'drop' }, 'dmarc.policy', 'Choose one of: none, quarantine, reject.'],
    ['a report address without a domain', { 'dmarc.reportAddress': 'postmaster' }, 'dmarc.reportAddress', '"postmaster" is not an address (name@domain)'],
    ['an unknown MTA-STS mode', { 'mtaSts.mode': 'strict' }, 'mtaSts.mode', 'Choose one of: none, testing, enforce.'],
    ['an MTA-STS max age under a day', { 'mtaSts.maxAgeSeconds': '3600' }, 'mtaSts.maxAgeSeconds', 'At least 86400.'],
    ['a TLS report address with a space', { tlsRptAddress: 'tls reports@example.org' }, 'tlsRptAddress', '"tls reports@example.org" cannot contain spaces'],
  ])('refuses %s with a field error', (_name, form, field, message) => {
    expect(parse(form).fieldErrors).toEqual({ [field]: message });
  });

  it('per domain: every one can be overridden except the blocklists, decided at connect', () => {
    const form: Record<string, string> = { ...globalForm, 'greylisting.enabled': 'on', 'dmarc.policy': 'reject', tlsRptAddress: 'r@example.org' };
    for (const f of POLICY_FIELDS) form[modeName(f.path)] = 'override';
    const { settings, fieldErrors } = parsePolicyForm(getter(form), 'domain', parsers);
    expect(fieldErrors).toEqual({});
    expect(settings).not.toHaveProperty('dnsblZones');
    expect(settings).toMatchObject({ authChecks: true, greylisting: { enabled: true }, dmarc: { policy: 'reject', reportAddress: '' }, tlsRptAddress: 'r@example.org', mtaSts: { mode: 'testing' } });
    const one = parsePolicyForm(getter({ ...globalForm, [modeName('greylisting.passDays')]: 'override', 'greylisting.passDays': '10' }), 'domain', parsers);
    expect(one.settings).toEqual({ greylisting: { passDays: 10 } });
  });

  it('round-trips stored values and describes inherited ones', () => {
    const values = policyToFormValues({ dnsblZones: ['a.example.org', 'b.example.org'], spfFailAction: 'reject', dmarc: { reportAddress: '' } });
    expect(values).toEqual({ dnsblZones: 'a.example.org\nb.example.org', spfFailAction: 'reject', 'dmarc.reportAddress': '' });
    const field = (path: string) => POLICY_FIELDS.find((f) => f.path === path)!;
    expect(describeValue(field('dnsblZones'), 'a.example.org\nb.example.org')).toBe('a.example.org, b.example.org');
    expect(describeValue(field('spfFailAction'), 'junk')).toBe('Deliver to Junk');
    expect(describeValue(field('dmarc.reportAddress'), '')).toBe('default');
    expect(describeValue(field('spfRecord'), 'v=spf1 mx -all')).toBe('"v=spf1 mx -all"');
  });
});
