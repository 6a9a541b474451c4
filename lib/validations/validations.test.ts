import { describe, expect, it } from 'vitest';
import { ServiceError } from '@/lib/errors';
import {
  addressSchema,
  assertPassword,
  checkPassword,
  displayDomain,
  formatBytes,
  generatePassword,
  normalizeAddress,
  normalizeAliasSource,
  normalizeDomain,
  parseQuota,
  quotaSchema,
} from '@/lib/validations';

function fieldError(fn: () => unknown): { field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    return { field: (err as ServiceError).field, message: (err as ServiceError).message };
  }
  throw new Error('expected a ServiceError');
}

describe('normalizeDomain', () => {
  it.each([
    ['Example.ORG', 'example.org'],
    ['  example.org. ', 'example.org'],
    ['Bücher.Example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['a-b.c-d.test', 'a-b.c-d.test'],
  ])('%s → %s', (input, out) => expect(normalizeDomain(input)).toBe(out));

  it('displays A-labels in Unicode', () => expect(displayDomain('xn--bcher-kva.example')).toBe('bücher.example'));

  it.each(['', 'localhost', 'exa mple.org', '-a.org', 'a-.org', 'a..org', 'a_b.org', '1.2.3.4', `${'a'.repeat(64)}.org`, 'a@b.org'])(
    'refuses %j',
    (input) => expect(fieldError(() => normalizeDomain(input)).field).toBe('domain'),
  );
});

describe('normalizeAddress', () => {
  it('lower-cases the local part and canonicalizes the domain', () => {
    expect(normalizeAddress(' Alice.Smith@Bücher.Example ')).toEqual({
      address: 'alice.smith@xn--bcher-kva.example',
      localPart: 'alice.smith',
      domain: 'xn--bcher-kva.example',
    });
    expect(normalizeAddress('a+tag@x.org').address).toBe('a+tag@x.org');
  });

  it.each(['alice', '@x.org', 'alice@', 'al ice@x.org', '.alice@x.org', 'alice.@x.org', 'al..ice@x.org', 'al"ice@x.org', `${'a'.repeat(65)}@x.org`])(
    'refuses %j naming the field',
    (input) => expect(fieldError(() => normalizeAddress(input)).field).toBe('address'),
  );

  it('refuses more than 254 characters in total', () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.org`;
    expect(fieldError(() => normalizeAddress(long)).message).toMatch(/254/);
  });

  it('alias sources may be catch-alls', () => {
    expect(normalizeAliasSource('@Example.ORG')).toEqual({ source: '@example.org', domain: 'example.org', catchAll: true });
    expect(normalizeAliasSource('Info@Example.org').source).toBe('info@example.org');
  });

  it('zod schema reports the normalizer message', () => {
    expect(addressSchema.parse('Bob@X.org')).toBe('bob@x.org');
    const r = addressSchema.safeParse('bob');
    expect(r.success).toBe(false);
  });
});

describe('parseQuota (1 K = 1024)', () => {
  it.each([
    ['2G', 2 * 1024 ** 3],
    ['500M', 500 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['1.5 gb', 1.5 * 1024 ** 3],
    ['10k', 10240],
    ['1048576', 1048576],
    ['123B', 123],
    ['0', 0],
    ['1T', 1024 ** 4],
  ])('%s', (input, bytes) => expect(parseQuota(input)).toBe(bytes));

  it.each(['2X', '', '-1G', 'G', '1.2.3M', '2048P'])('refuses %j', (input) => {
    const e = fieldError(() => parseQuota(input));
    expect(e.field).toBe('quota');
  });

  it('names the unit in its message', () => {
    expect(fieldError(() => parseQuota('2X')).message).toBe('"2X" is not a size (use 500M, 2G…)');
  });

  it('formats back', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(quotaSchema.parse('1M')).toBe(1048576);
  });
});

describe('password policy', () => {
  const rules = { minLength: 12, minClasses: 3 };
  it('names every broken rule', () => {
    expect(checkPassword('short', rules)).toEqual(['too_short', 'too_few_classes']);
    expect(checkPassword('alice-Secret-2026', rules, 'alice@x.org')).toEqual(['contains_name']);
    expect(checkPassword('Correct-Horse-9', rules, 'alice@x.org')).toEqual([]);
    expect(checkPassword('x'.repeat(300) + 'A1', rules)).toContain('too_long');
  });
  it('assertPassword throws on the password field', () => {
    expect(fieldError(() => assertPassword('abc', rules)).field).toBe('password');
  });
  it('generated passwords pass the strictest policy', () => {
    for (let i = 0; i < 50; i++) expect(checkPassword(generatePassword(), { minLength: 20, minClasses: 4 })).toEqual([]);
  });
});
