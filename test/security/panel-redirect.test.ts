import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from '@/lib/dal/redirect';

// The sign-in redirect: only a path on this origin survives. Each
// payload is what the login page receives after URL decoding of `?callbackUrl=`.

const ORIGIN = 'http://panel.test';
/** Where a browser would go: resolved as WHATWG URL does (tabs/newlines stripped, `\` as `/`). */
const origin = (target: string) => new URL(target, `${ORIGIN}/login`).origin;
/** The place itself, an empty `?` or `#` aside. */
const place = (target: string) => {
  const u = new URL(target, `${ORIGIN}/login`);
  return u.origin + u.pathname + u.search + u.hash;
};

const REFUSED: [string, string][] = [
  ['tab after the slash (%2F%09%2F<host>%2F)', decodeURIComponent('%2F%09%2Fevil.example%2Fx')],
  ['protocol-relative', '//evil.example/x'],
  ['backslash', '/\\evil.example/x'],
  ['double backslash', '\\\\evil.example'],
  ['newline (%0A)', decodeURIComponent('%2F%0A%2Fevil.example')],
  ['carriage return', '/\r/evil.example'],
  ['newline later in the path', '/mailboxes\nSet-Cookie: x=y'],
  ['NUL', '/mailboxes\u0000'],
  ['DEL', '/\u007f/evil.example'],
  ['C1 control', '/\u0085/evil.example'],
  ['space', '/ /evil.example'],
  ['no-break space', '/\u00a0/evil.example'],
  ['line separator', '/\u2028/evil.example'],
  ['javascript:', 'javascript:alert(1)'],
  ['JavaScript: mixed case', 'JaVaScRiPt:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['absolute http', 'http://evil.example/'],
  ['absolute https', 'https://evil.example/'],
  ['same host, absolute', `${ORIGIN}/mailboxes`],
  ['scheme-relative with userinfo', '//panel.test@evil.example'],
  ['relative without slash', 'evil.example'],
  ['dot path', '../../evil'],
  ['dot segments up to a slash pair', '/./\\evil.example'],
  ['empty', ''],
  ['too long', `/${'a'.repeat(3000)}`],
];

const ACCEPTED = ['/', '/mailboxes', '/mailboxes?domain=example.test&page=2', '/admins/me#totp', '/a/b//c', '/%2F%2Fevil.example', '/%09/x', '/audit?q=%0A'];

describe('safeCallbackPath', () => {
  it.each(REFUSED)('refuses %s', (_name, payload) => {
    expect(safeCallbackPath(payload)).toBe('/');
  });

  it.each(ACCEPTED)('keeps the same-origin path %s', (path) => {
    expect(safeCallbackPath(path)).toBe(path);
    expect(origin(path)).toBe(ORIGIN);
  });

  it('writes non-ASCII and dot segments back as the URL parser does (a Location header is ASCII)', () => {
    expect(safeCallbackPath('/mailboxes/jörg@example.test')).toBe('/mailboxes/j%C3%B6rg@example.test');
    expect(safeCallbackPath('/\uFFFD%A')).toBe('/%EF%BF%BD%A');
    expect(safeCallbackPath('/a/../mailboxes')).toBe('/mailboxes');
    expect(safeCallbackPath('/..//evil.example')).toBe('/');
  });

  it('takes the first of repeated parameters and ignores non-strings', () => {
    expect(safeCallbackPath(['/mailboxes', '//evil'])).toBe('/mailboxes');
    expect(safeCallbackPath(['//evil', '/mailboxes'])).toBe('/');
    expect(safeCallbackPath(undefined)).toBe('/');
    expect(safeCallbackPath(42)).toBe('/');
  });

  it('a seeded fuzz set never leaves the origin', () => {
    // mulberry32: reproducible; a failure names the seed and the input.
    const seed = 0x5eed_0b11;
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = ['/', '\\', '//', '/\\', '\t', '\n', '\r', ' ', '\u0000', '\u000b', '\u000c', '\u007f', '\u0085', '\u00a0', '\u2028', '\ufeff',
      ':', '@', '.', '..', '?', '#', '%', '%2F', '%09', '%0A', '%5C', 'evil.example', 'javascript:', 'http:', 'https://', 'a', 'mailboxes', '&', '='];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + Math.floor(random() * 6);
      let input = random() < 0.6 ? '/' : '';
      for (let j = 0; j < n; j++) input += pieces[Math.floor(random() * pieces.length)];
      // Also the percent-decoded form, as the login page's searchParams would give it.
      const candidates = [input];
      try {
        candidates.push(decodeURIComponent(input));
      } catch {
        // not valid percent-encoding: the raw form only
      }
      for (const c of candidates) {
        const out = safeCallbackPath(c);
        if (out !== '/') accepted++;
        // Either refused, or the same place the browser would have gone, in ASCII.
        if (out !== '/') expect(place(out), `seed ${seed}, input ${JSON.stringify(c)}`).toBe(place(c));
        expect(out, `seed ${seed}, input ${JSON.stringify(c)}`).toMatch(/^[\x21-\x7e]+$/);
        expect(origin(out), `seed ${seed}, input ${JSON.stringify(c)} → ${JSON.stringify(out)}`).toBe(ORIGIN);
        expect(out, `seed ${seed}, input ${JSON.stringify(c)}`).toMatch(/^\/(?![/\\])[^\s\u0000-\u001f\u007f-\u009f]*$/u);
      }
    }
    // The set exercises both sides.
    expect(accepted).toBeGreaterThan(1000);
  });
});
