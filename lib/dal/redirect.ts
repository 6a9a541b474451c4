/**
 * Where a sign-in may send the browser: a path on this origin, nothing else.
 *
 * Accepted: `/` alone, or `/` followed by a character other than `/` and `\`, with no
 * control character (C0, DEL, C1) and no whitespace anywhere. Browsers strip tabs and
 * newlines from URLs and read `\` as `/`, so `/\t/evil.example` and `/\evil.example`
 * are other hosts to them; `//evil` is one by definition. Anything else — absolute
 * URLs, `javascript:`, empty, too long, a list — becomes `/`. What passes comes back
 * as the URL parser writes it (`..` resolved, non-ASCII percent-encoded).
 *
 * Used by the login page (its form and the "already signed in" redirect) and by
 * next-auth's redirect callback (lib/dal/auth-options.ts). Not server-only: pure.
 */
export function safeCallbackPath(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' || v.length === 0 || v.length > 2048) return '/';
  if (v[0] !== '/') return '/';
  if (v.length > 1 && (v[1] === '/' || v[1] === '\\')) return '/';
  // \s covers ASCII and Unicode whitespace (tab, LF, CR, NBSP, U+2028…); the ranges add
  // the remaining C0 controls, DEL and C1 controls.
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(v)) return '/';
  // Resolved as a browser would, then written back in ASCII: non-ASCII characters become
  // percent-encoded (a Location header must be ASCII, or Node refuses it with a 500).
  const url = new URL(v, BASE);
  if (url.origin !== BASE) return '/';
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('/') && path[1] !== '/' && path[1] !== '\\' ? path : '/';
}

const BASE = 'http://postern.invalid';
