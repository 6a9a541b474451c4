import { describe, expect, it } from 'vitest';
import { idnDisplay } from './domain-name';

describe('idnDisplay', () => {
  it.each([
    ['xn--bcher-kva.example', 'bücher.example', 'xn--bcher-kva.example'],
    ['mail.xn--bcher-kva.example', 'mail.bücher.example', 'mail.xn--bcher-kva.example'],
    ['xn--r8jz45g.xn--zckzah', '例え.テスト', 'xn--r8jz45g.xn--zckzah'],
    // an address: the local part as it is, the domain in Unicode
    ['info@xn--bcher-kva.example', 'info@bücher.example', 'info@xn--bcher-kva.example'],
    // a catch-all alias source
    ['@xn--bcher-kva.example', '@bücher.example', '@xn--bcher-kva.example'],
    // a local part that looks like an A-label is not a domain
    ['xn--bcher-kva@example.org', 'xn--bcher-kva@example.org', null],
  ])('%s → %s (title %s)', (value, text, ascii) => {
    expect(idnDisplay(value)).toEqual({ text, ascii });
  });

  it('leaves an ASCII name exactly as stored, case included', () => {
    expect(idnDisplay('Example.ORG')).toEqual({ text: 'Example.ORG', ascii: null });
    expect(idnDisplay('alice@example.org')).toEqual({ text: 'alice@example.org', ascii: null });
    expect(idnDisplay('')).toEqual({ text: '', ascii: null });
  });

  it('shows an invalid A-label as stored rather than guessing', () => {
    // "xn--" followed by something that is not Punycode: domainToUnicode gives up
    expect(idnDisplay('xn--a.example')).toEqual({ text: 'xn--a.example', ascii: null });
  });
});
