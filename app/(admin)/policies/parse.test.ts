import { describe, expect, it } from 'vitest';
import { POLICY_FIELDS, getPath, setPath } from './fields';
import { bytesToInput, describeValue, fieldForPath, modeName, parsePolicyForm, policyToFormValues, withoutDefaults } from './parse';

const bytes = (s: string) => {
  const m = /^(\d+)([KMG]?)$/.exec(s);
  if (!m) throw new Error('bad size');
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as '' | 'K' | 'M' | 'G'];
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
    const { settings, fieldErrors } = parsePolicyForm(getter(globalForm), 'global', bytes);
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
      bruteForce: { maxFailures: 5, windowSeconds: 900, lockoutSeconds: 600 },
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
    const { settings } = parsePolicyForm(getter(form), 'domain', bytes);
    expect(settings).toEqual({ maxMessageBytes: 25 * 1024 ** 2, password: { minLength: 14 } });
    expect(parsePolicyForm(getter({}), 'domain', bytes).settings).toEqual({});
  });

  it('reports bad input per field', () => {
    const form = { ...globalForm, maxRecipients: '0', maxMessageBytes: 'lots', minTlsVersion: 'SSLv3', 'bruteForce.maxFailures': '2.5' };
    const { fieldErrors } = parsePolicyForm(getter(form), 'global', bytes);
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
    const parsed = parsePolicyForm((n) => form[n] ?? null, 'domain', bytes);
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
