import 'server-only';
import * as OTPAuth from 'otpauth';
import { verifyPassword } from '@/lib/auth/password';
import { unseal } from '@/lib/crypto/seal';
import { panelSecrets } from './secrets';

// The conventions sign-in checks (lib/dal/admin-login.ts) and enrolment must share:
// - admins.totp_secret = seal(<base32 secret>, masterKey) (lib/crypto/seal.ts)
// - TOTP: SHA1, 6 digits, 30 s, ±1 step accepted
// - admins.recovery_codes = argon2id hashes (lib/auth/password.ts hashPassword) of
//   normalizeRecoveryCode(code); a used code is removed from the array.
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** "ABCD-2345 efgh" → "abcd2345efgh": what is hashed and what is compared. */
export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

export function totpFor(base32Secret: string, label = 'Postern'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ ...TOTP_PARAMS, issuer: 'Postern', label, secret: OTPAuth.Secret.fromBase32(base32Secret) });
}

/** True when `code` is the current (±1 step) TOTP of the sealed secret. */
export function verifyTotp(sealedSecret: string, code: string, masterKey = panelSecrets().masterKey): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  try {
    return totpFor(unseal(sealedSecret, masterKey).toString('utf8')).validate({ token: code, window: 1 }) !== null;
  } catch {
    return false;
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
