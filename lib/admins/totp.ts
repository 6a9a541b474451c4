import { randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { seal, unseal } from '@/lib/crypto/seal';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { getEffectivePolicy } from '@/lib/policy/get-policy';

// TOTP enrolment for the signed-in admin. The conventions are the ones sign-in checks
// (lib/dal/totp.ts, lib/dal/admin-login.ts):
// - admins.totp_secret = seal(<base32 secret>, masterKey); totp_enabled only after a
//   code from the app proved it has the secret
// - SHA1, 6 digits, 30 s, ±1 step (RFC 6238 defaults every authenticator app supports)
// - admins.recovery_codes = argon2id hashes of normalizeRecoveryCode(code); shown once

export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
export const RECOVERY_CODE_COUNT = 10;
// No look-alikes (0/o, 1/l/i): codes get typed from paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** "ABCD-2345 efgh" → "abcd2345efgh": what is hashed and what is compared. */
export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** A recovery code like "k7m2p-xq9td" (10 characters from 31, ~50 bits). */
export function generateRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

export function totpFor(base32Secret: string, label: string, issuer = 'Postern'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ ...TOTP_PARAMS, issuer, label, secret: OTPAuth.Secret.fromBase32(base32Secret) });
}

function selfId(actor: Actor): string {
  if (actor.kind !== 'admin') throw new ServiceError('forbidden', 'only a signed-in admin enrols an authenticator');
  return actor.id;
}

async function load(db: Db, actor: Actor) {
  const row = await db.admin.findUnique({
    where: { id: selfId(actor) },
    select: { id: true, email: true, passwordHash: true, totpSecret: true, totpEnabled: true, recoveryCodes: true },
  });
  if (!row) throw new ServiceError('not_found', 'your admin account no longer exists');
  return row;
}

function codeMatches(sealed: string | null, code: string, masterKey: string, label: string): boolean {
  const token = code.replace(/\s/g, '');
  if (!sealed || !/^\d{6}$/.test(token)) return false;
  try {
    return totpFor(unseal(sealed, masterKey).toString('utf8'), label).validate({ token, window: 1 }) !== null;
  } catch {
    return false;
  }
}

async function newRecoveryCodes(): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const hashes = await Promise.all(codes.map((c) => hashPassword(normalizeRecoveryCode(c))));
  return { codes, hashes };
}

export interface TotpStatus {
  enabled: boolean;
  /** A secret was generated but not yet confirmed with a code. */
  pending: boolean;
  recoveryCodesLeft: number;
}

export async function getTotpStatus(db: Db, actor: Actor): Promise<TotpStatus> {
  const a = await load(db, actor);
  return { enabled: a.totpEnabled, pending: !a.totpEnabled && Boolean(a.totpSecret), recoveryCodesLeft: a.totpEnabled ? a.recoveryCodes.length : 0 };
}

/** Step 1: a fresh secret, stored sealed but not yet in force. Refused while TOTP is on. */
export async function beginTotpEnrolment(db: Db, actor: Actor, input: { masterKey: string }): Promise<void> {
  const a = await load(db, actor);
  if (a.totpEnabled) throw new ServiceError('conflict', 'two-factor authentication is already on; turn it off first');
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await db.admin.update({ where: { id: a.id }, data: { totpSecret: seal(secret, input.masterKey), recoveryCodes: [] } });
}

/** The pending secret as an otpauth:// URI (for the QR code) and as text (for typing in). */
export async function getPendingTotp(db: Db, actor: Actor, input: { masterKey: string; issuer?: string }): Promise<{ uri: string; secret: string } | null> {
  const a = await load(db, actor);
  if (a.totpEnabled || !a.totpSecret) return null;
  const secret = unseal(a.totpSecret, input.masterKey).toString('utf8');
  return { uri: totpFor(secret, a.email, input.issuer).toString(), secret };
}

/** Step 2: a current code proves the app has the secret; TOTP goes on and recovery codes are returned once. */
export async function confirmTotpEnrolment(db: Db, actor: Actor, input: { masterKey: string; code: string }): Promise<{ recoveryCodes: string[] }> {
  const a = await load(db, actor);
  if (a.totpEnabled) throw new ServiceError('conflict', 'two-factor authentication is already on');
  if (!a.totpSecret) throw new ServiceError('invalid', 'start the set-up first', 'code');
  if (!codeMatches(a.totpSecret, input.code, input.masterKey, a.email)) {
    throw new ServiceError('invalid', 'that code does not match; check the time on your phone and try the current code', 'code');
  }
  const { codes, hashes } = await newRecoveryCodes();
  await db.$transaction(async (tx) => {
    // Only the row still pending with this secret: a second tab cannot enable twice.
    const { count } = await tx.admin.updateMany({
      where: { id: a.id, totpEnabled: false, totpSecret: a.totpSecret },
      data: { totpEnabled: true, recoveryCodes: hashes },
    });
    if (count !== 1) throw new ServiceError('conflict', 'the set-up changed meanwhile; start again');
    await audit(tx, actor, 'admin.totp.enable', a.email, { totpEnabled: false }, { totpEnabled: true, recoveryCodes: codes.length });
  });
  return { recoveryCodes: codes };
}

/** New recovery codes (the old ones stop working), proved by a current code. */
export async function regenerateRecoveryCodes(db: Db, actor: Actor, input: { masterKey: string; code: string }): Promise<{ recoveryCodes: string[] }> {
  const a = await load(db, actor);
  if (!a.totpEnabled) throw new ServiceError('invalid', 'two-factor authentication is off');
  if (!codeMatches(a.totpSecret, input.code, input.masterKey, a.email)) throw new ServiceError('invalid', 'that code does not match', 'code');
  const { codes, hashes } = await newRecoveryCodes();
  await db.$transaction(async (tx) => {
    await tx.admin.update({ where: { id: a.id }, data: { recoveryCodes: hashes } });
    await audit(tx, actor, 'admin.totp.recovery_codes', a.email, { recoveryCodes: a.recoveryCodes.length }, { recoveryCodes: codes.length });
  });
  return { recoveryCodes: codes };
}

/** Turns TOTP off (the password proves it is really you); refused while the policy requires it. */
export async function disableTotp(db: Db, actor: Actor, input: { password: string }): Promise<void> {
  const a = await load(db, actor);
  if (!(await verifyPassword(a.passwordHash, String(input.password ?? '')))) throw new ServiceError('invalid', 'the password is wrong', 'password');
  if (a.totpEnabled && (await getEffectivePolicy(db)).requireTotp) {
    throw new ServiceError('forbidden', 'the policy requires two-factor authentication for every admin');
  }
  await db.$transaction(async (tx) => {
    await tx.admin.update({ where: { id: a.id }, data: { totpEnabled: false, totpSecret: null, recoveryCodes: [] } });
    if (a.totpEnabled) await audit(tx, actor, 'admin.totp.disable', a.email, { totpEnabled: true }, { totpEnabled: false });
  });
}
