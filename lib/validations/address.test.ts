import { describe, expect, it } from 'vitest';
import { normalizeAddress, splitAddress, stripSubaddress } from './address';

describe('splitAddress', () => {
  it.each([
    ['alice@example.org', 'alice', 'example.org'],
    ['Alice@EXAMPLE.ORG', 'Alice', 'EXAMPLE.ORG'], // nothing lower-cased: normalizeAddress does that
    ['alice+tag@example.org', 'alice+tag', 'example.org'],
    ['"a@b"@example.org', '"a@b"', 'example.org'], // a quoted local part may hold "@"; the domain never does
    ['@example.org', '', 'example.org'], // empty local part (the form of a catch-all alias source)
    ['alice@', 'alice', ''],
    ['alice', 'alice', ''], // no "@": all local part
    ['', '', ''],
    ['user@10.0.0.7', 'user', '10.0.0.7'],
  ])('%j → %j @ %j', (address, local, domain) => {
    expect(splitAddress(address)).toEqual({ local, domain });
  });

  it('agrees with the normalizer, which refuses what it cannot store', () => {
    expect(normalizeAddress('Alice@EXAMPLE.ORG')).toMatchObject({ localPart: 'alice', domain: 'example.org' });
    for (const input of ['"a@b"@example.org', '@example.org', 'alice@', 'alice', '']) {
      expect(() => normalizeAddress(input)).toThrow();
    }
  });
});

describe('stripSubaddress', () => {
  it.each([
    ['alice+lists@example.org', '+', 'alice@example.org'],
    ['alice+lists+more@example.org', '+', 'alice@example.org'], // cut at the first delimiter
    ['alice-lists@example.org', '-', 'alice@example.org'],
    ['alice-lists@example.org', '+', 'alice-lists@example.org'], // another domain's delimiter
    ['alice+lists@example.org', '', 'alice+lists@example.org'], // subaddressing off
    ['alice@example.org', '+', 'alice@example.org'], // no subaddress
    ['+lists@example.org', '+', '+lists@example.org'], // no mailbox name before the delimiter
    ['@example.org', '+', '@example.org'], // empty local part
    ['alice+lists@EXAMPLE.ORG', '+', 'alice@EXAMPLE.ORG'], // the domain is kept as given
    ['alice+lists@', '+', 'alice@'],
    ['alice+lists', '+', 'alice'], // a bare local part
    ['alice', '+', 'alice'],
    ['+lists', '+', '+lists'],
    ['', '+', ''],
    ['a.b=x@example.org', '=', 'a.b@example.org'],
    ['a.b.x@example.org', '.', 'a@example.org'],
  ])('%j with %j → %j', (input, delimiter, want) => {
    expect(stripSubaddress(input, delimiter)).toBe(want);
  });
});
