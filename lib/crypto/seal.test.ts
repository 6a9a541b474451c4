import { describe, expect, it } from 'vitest';
import { seal, unseal } from './seal';

describe('seal', () => {
  it('round-trips and never contains the plaintext', () => {
    const sealed = seal('-----BEGIN PRIVATE KEY-----', 'master');
    expect(sealed).not.toContain('PRIVATE');
    expect(unseal(sealed, 'master').toString()).toBe('-----BEGIN PRIVATE KEY-----');
  });

  it('refuses a wrong master key or a tampered value', () => {
    const sealed = seal('secret', 'master');
    expect(() => unseal(sealed, 'other')).toThrow();
    expect(() => unseal(sealed.slice(0, -2) + 'AA', 'master')).toThrow();
    expect(() => unseal('garbage', 'master')).toThrow('not a sealed value');
  });
});
