import { createHash, randomBytes } from 'node:crypto';

/** Every token starts so: a secret scanner (and an admin) can tell a Postern token from other strings. */
export const TOKEN_PREFIX = 'pst_';

/** How many characters of a token lists show: enough to tell tokens apart, too few to matter. */
const SHOWN = TOKEN_PREFIX.length + 6;

/** A new token: 32 random bytes, base64url. Shown once; only its hash is kept. */
export function newTokenSecret(): { token: string; hash: string; prefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), prefix: token.slice(0, SHOWN) };
}

/**
 * SHA-256, not a password hash: the token is 256 random bits, so there is no dictionary to
 * try, and a lookup by hash costs one index probe on every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const m = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? '');
  return m ? m[1] : null;
}
