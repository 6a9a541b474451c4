import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';
import { splitList } from './list';

describe('splitList', () => {
  it('splits on lines, commas, semicolons and spaces, trims and de-duplicates', () => {
    expect(splitList(' a@x.org,\nb@y.org ; a@x.org  c@z.org\n\n')).toEqual(['a@x.org', 'b@y.org', 'c@z.org']);
  });
  it('returns nothing for blank input', () => {
    expect(splitList('')).toEqual([]);
    expect(splitList(null)).toEqual([]);
    expect(splitList(' \n , ')).toEqual([]);
  });
});

describe('toCsv', () => {
  it('quotes separators, quotes and line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });
  it('keeps values verbatim (a password may start with = or -)', () => {
    expect(csvField('=1+1')).toBe('=1+1');
    expect(csvField('-x y')).toBe('-x y');
  });
  it('writes a header and CRLF rows', () => {
    expect(toCsv(['address', 'password'], [['a@x.org', 'p,w']])).toBe('address,password\r\na@x.org,"p,w"\r\n');
  });
});
