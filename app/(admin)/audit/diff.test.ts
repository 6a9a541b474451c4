import { describe, expect, it } from 'vitest';
import { diffJson, flatten, formatValue } from './diff';

describe('audit diff', () => {
  it('flattens nested settings to dotted paths, arrays as leaves', () => {
    expect([...flatten({ a: 1, b: { c: true, d: ['x'] } })]).toEqual([
      ['a', 1],
      ['b.c', true],
      ['b.d', ['x']],
    ]);
  });

  it('keeps only what changed, was added or was removed', () => {
    const before = { maxRecipients: 100, bruteForce: { maxFailures: 5, windowSeconds: 900 }, relayNetworks: [] };
    const after = { maxRecipients: 100, bruteForce: { maxFailures: 3, windowSeconds: 900 }, requireTlsMx: true };
    expect(diffJson(before, after)).toEqual([
      { path: 'bruteForce.maxFailures', kind: 'changed', before: 5, after: 3 },
      { path: 'relayNetworks', kind: 'removed', before: [] },
      { path: 'requireTlsMx', kind: 'added', after: true },
    ]);
  });

  it('treats a missing side as empty (creation and deletion)', () => {
    expect(diffJson(null, { source: 'a@x.org' })).toEqual([{ path: 'source', kind: 'added', after: 'a@x.org' }]);
    expect(diffJson({ source: 'a@x.org' }, undefined)).toEqual([{ path: 'source', kind: 'removed', before: 'a@x.org' }]);
    expect(diffJson('old', 'new')).toEqual([{ path: '(value)', kind: 'changed', before: 'old', after: 'new' }]);
  });

  it('formats values on one line', () => {
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue('TLSv1.3')).toBe('TLSv1.3');
    expect(formatValue(['10.0.0.0/8'])).toBe('["10.0.0.0/8"]');
  });
});
