import 'server-only';
import * as OTPAuth from 'otpauth';
import { normalizeRecoveryCode, TOTP_PARAMS } from '@/lib/admins/totp';
import { verifyPassword } from '@/lib/auth/password';
import { unseal } from '@/lib/crypto/seal';
import { panelSecrets } from './secrets';

// Sign-in's side of the conventions enrolment (lib/admins/totp.ts) defines:
// - admins.totp_secret = seal(<base32 secret>, masterKey) (lib/crypto/seal.ts)
// - TOTP_PARAMS (SHA1, 6 digits, 30 s), ±1 step accepted
// - admins.recovery_codes = argon2id hashes of normalizeRecoveryCode(code); a used
//   code is removed from the array (lib/dal/admin-login.ts).

/**
 * The time step (unix seconds / 30) `code` belongs to when it is a current (±1 step)
 * TOTP of the sealed secret, else null. The caller refuses a step already used
 * (RFC 6238 §5.2: a code is good for one sign-in).
 */
export function verifyTotp(sealedSecret: string, code: string, masterKey = panelSecrets().masterKey): number | null {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const secret = OTPAuth.Secret.fromBase32(unseal(sealedSecret, masterKey).toString('utf8'));
    const now = Date.now();
    const delta = new OTPAuth.TOTP({ ...TOTP_PARAMS, secret }).validate({ token, window: 1, timestamp: now });
    return delta === null ? null : Math.floor(now / 1000 / TOTP_PARAMS.period) + delta;
  } catch {
    return null;
  }
}

/** The index of the unused recovery code matching `code`, or -1. */
export async function findRecoveryCode(hashes: string[], code: string): Promise<number> {
  const normalized = normalizeRecoveryCode(code);
  if (!normalized) return -1;
  for (let i = 0; i < hashes.length; i++) {
    if (await verifyPassword(hashes[i], normalized)) return i;
  }
  return -1;
}
