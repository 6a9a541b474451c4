import * as OTPAuth from 'otpauth';
import { TOTP_PARAMS, totpFor } from '@/lib/admins/totp';
import type { DbOrTx } from '@/lib/audit/types';
import { audit } from '@/lib/audit/audit';
import { verifyPassword } from '@/lib/auth/password';
import { seal, unseal } from '@/lib/crypto/seal';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import type { MailUser } from './types';

// A mailbox owner's optional second factor for the self-service area (RFC 6238 TOTP, the
// parameters admins use: SHA1, 6 digits, 30 s, ±1 step). Mail clients are not asked: they use
// app passwords. The secret is sealed with the master key; last_step keeps each code to one
// sign-in (RFC 6238 §5.2). Losing the phone: an admin's password reset removes it.

export interface MailboxTotpStatus {
  enabled: boolean;
  /** A secret was generated but not yet confirmed with a code. */
  pending: boolean;
}

export async function getMailboxTotp(db: DbOrTx, user: MailUser): Promise<MailboxTotpStatus> {
  const row = await db.mailboxTotp.findUnique({ where: { mailboxId: user.id }, select: { enabled: true } });
  return { enabled: row?.enabled ?? false, pending: row ? !row.enabled : false };
}

/** Step 1: a fresh secret, stored sealed, not yet in force. Refused while TOTP is on. */
export async function beginMailboxTotp(db: Db, user: MailUser, input: { masterKey: string }): Promise<void> {
  if ((await getMailboxTotp(db, user)).enabled) throw new ServiceError('conflict', 'two-factor authentication is already on; turn it off first');
  const secretSealed = seal(new OTPAuth.Secret({ size: 20 }).base32, input.masterKey);
  await db.mailboxTotp.upsert({
    where: { mailboxId: user.id },
    create: { mailboxId: user.id, secretSealed },
    update: { secretSealed, enabled: false, lastStep: null },
  });
}

/** The pending secret as an otpauth:// URI (for the QR code) and as text. */
export async function pendingMailboxTotp(db: Db, user: MailUser, input: { masterKey: string }): Promise<{ uri: string; secret: string } | null> {
  const row = await db.mailboxTotp.findUnique({ where: { mailboxId: user.id } });
  if (!row || row.enabled) return null;
  const secret = unseal(row.secretSealed, input.masterKey).toString('utf8');
  return { uri: totpFor(secret, user.address).toString(), secret };
}

/** The time step (unix seconds / 30) a current (±1 step) code of the sealed secret belongs to, or null. */
export function totpStep(secretSealed: string, code: string, masterKey: string, now = Date.now()): number | null {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const secret = OTPAuth.Secret.fromBase32(unseal(secretSealed, masterKey).toString('utf8'));
    const delta = new OTPAuth.TOTP({ ...TOTP_PARAMS, secret }).validate({ token, window: 1, timestamp: now });
    return delta === null ? null : Math.floor(now / 1000 / TOTP_PARAMS.period) + delta;
  } catch {
    return null;
  }
}

/** Step 2: a current code proves the app has the secret; TOTP goes on. */
export async function confirmMailboxTotp(db: Db, user: MailUser, input: { masterKey: string; code: string }): Promise<void> {
  const row = await db.mailboxTotp.findUnique({ where: { mailboxId: user.id } });
  if (row?.enabled) throw new ServiceError('conflict', 'two-factor authentication is already on');
  if (!row) throw new ServiceError('invalid', 'start the set-up first', 'code');
  const step = totpStep(row.secretSealed, input.code, input.masterKey);
  if (step === null) throw new ServiceError('invalid', 'that code does not match; check the time on your phone and try the current code', 'code');
  await db.$transaction(async (tx) => {
    const { count } = await tx.mailboxTotp.updateMany({ where: { mailboxId: user.id, enabled: false, secretSealed: row.secretSealed }, data: { enabled: true, lastStep: step } });
    if (count !== 1) throw new ServiceError('conflict', 'the set-up changed meanwhile; start again');
    await audit(tx, user, 'mailbox.totp.enable', user.address, undefined, undefined, user.ip);
  });
}

/** Turns TOTP off; the mailbox password proves it is really the owner. */
export async function disableMailboxTotp(db: Db, user: MailUser, input: { password: string }): Promise<void> {
  const m = await db.mailbox.findUnique({ where: { id: user.id }, select: { passwordHash: true } });
  if (!m || !(await verifyPassword(m.passwordHash, String(input.password ?? '')))) throw new ServiceError('invalid', 'the password is wrong', 'password');
  await db.$transaction(async (tx) => {
    const { count } = await tx.mailboxTotp.deleteMany({ where: { mailboxId: user.id } });
    if (count) await audit(tx, user, 'mailbox.totp.disable', user.address, undefined, undefined, user.ip);
  });
}

/**
 * Sign-in's second step: 'ok' when the mailbox has no TOTP on or `code` is a current code not
 * used before (its step is kept, atomically, so two sign-ins cannot share one), 'required' when
 * none was given, 'invalid' otherwise.
 */
export async function checkMailboxTotp(db: Db, mailboxId: string, code: string | undefined, masterKey: string): Promise<'ok' | 'required' | 'invalid'> {
  const row = await db.mailboxTotp.findUnique({ where: { mailboxId } });
  if (!row?.enabled) return 'ok';
  const given = String(code ?? '').trim().slice(0, 64);
  if (!given) return 'required';
  const step = totpStep(row.secretSealed, given, masterKey);
  if (step === null) return 'invalid';
  const { count } = await db.mailboxTotp.updateMany({
    where: { mailboxId, enabled: true, OR: [{ lastStep: null }, { lastStep: { lt: step } }] },
    data: { lastStep: step },
  });
  return count === 1 ? 'ok' : 'invalid';
}
