import { SYSTEM } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { dummyHash, verifyPassword } from '@/lib/auth/password';
import { admitLogin, recordLoginFailure, recordLoginSuccess, type LoginAttempt, type SlowDown } from '@/lib/auth/throttle';
import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { normalizeAddress } from '@/lib/validations/address';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { checkMailboxTotp } from './totp';

export type MailUserLoginResult =
  | { ok: true; mailbox: { id: string; address: string; domainId: string } }
  | { ok: false; reason: 'invalid' | 'throttled' | 'totp_required' | 'totp_invalid' };

/**
 * The self-service sign-in: the mailbox address and its own password only — an app password
 * opens mail clients, never this area (a stolen device password cannot change the real one).
 * The panel's throttle keys (group 'panel', keyed by the address), the same generic failure
 * for unknown, disabled and wrong, an unknown address costs one argon2 verification, and the
 * policy's requireAppPasswords does not apply here. Audited like admin sign-ins. With the
 * owner's TOTP on, a current unused code (`code`) is the second step: none asks for it without
 * counting a failure, a wrong one counts as a failure in the same throttle.
 */
export async function verifyMailUserLogin(
  db: Db,
  input: { address: string; password: string; ip: string; code?: string },
  options: { slowDown?: SlowDown; masterKey: string },
): Promise<MailUserLoginResult> {
  let address: string | null = null;
  try {
    address = normalizeAddress(input.address).address;
  } catch {
    // A malformed name is just an unknown user.
  }
  const account = `mailbox:${address ?? String(input.address ?? '').slice(0, 320)}`;
  const attempt: LoginAttempt = { group: 'panel', account, ip: input.ip };
  const mailbox = address
    ? await db.mailbox.findUnique({
        where: { address },
        select: { id: true, address: true, domainId: true, passwordHash: true, enabled: true, domain: { select: { enabled: true } } },
      })
    : null;
  const policy = await getEffectivePolicy(db, mailbox?.domainId);
  if (!(await admitLogin(db, attempt, policy.bruteForce, options.slowDown)).admitted) {
    await audit(db, SYSTEM, 'mailbox.login.throttled', address, undefined, undefined, input.ip);
    return { ok: false, reason: 'throttled' };
  }
  const password = String(input.password ?? '');
  const ok = password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(mailbox?.passwordHash ?? (await dummyHash()), password));
  if (mailbox && ok && mailbox.enabled && mailbox.domain.enabled) {
    const second = await checkMailboxTotp(db, mailbox.id, input.code, options.masterKey);
    if (second === 'required') return { ok: false, reason: 'totp_required' };
    if (second === 'invalid') {
      await recordLoginFailure(db, attempt, policy.bruteForce);
      await audit(db, SYSTEM, 'mailbox.login.totp_failed', mailbox.address, undefined, undefined, input.ip);
      return { ok: false, reason: 'totp_invalid' };
    }
    await recordLoginSuccess(db, attempt);
    const actor = { kind: 'mailbox', id: mailbox.id, address: mailbox.address, domainId: mailbox.domainId } as const;
    await audit(db, actor, 'mailbox.login', mailbox.address, undefined, undefined, input.ip);
    return { ok: true, mailbox: { id: mailbox.id, address: mailbox.address, domainId: mailbox.domainId } };
  }
  await recordLoginFailure(db, attempt, policy.bruteForce);
  await audit(db, SYSTEM, 'mailbox.login.failed', address, undefined, undefined, input.ip);
  return { ok: false, reason: 'invalid' };
}
