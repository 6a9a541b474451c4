import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { normalizeAddress } from '@/lib/validations/address';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { dummyHash, verifyPassword } from './password';
import { lockedUntil, recordFailure, resetFailures, throttleKey } from './throttle';

export interface MailboxLoginInput {
  address: string;
  password: string;
  ip: string;
  service: 'smtp' | 'imap';
}

export type MailboxLoginResult =
  | { ok: true; mailbox: { id: string; address: string; domainId: string } }
  | { ok: false; reason: 'invalid' | 'throttled' };

/**
 * SMTP AUTH and IMAP LOGIN. The same answer whether the user is unknown, disabled,
 * in a disabled domain or gave a wrong password; an unknown user still costs one
 * argon2 verification so timing tells nothing. Failures count per IP and per account
 * in auth_throttle, shared by every process; a locked key answers 'throttled'
 * before any password is checked.
 */
export async function verifyMailboxLogin(db: Db, input: MailboxLoginInput): Promise<MailboxLoginResult> {
  let address: string | null = null;
  try {
    address = normalizeAddress(input.address).address;
  } catch {
    // A malformed name is just an unknown user.
  }
  const keys = [throttleKey.ip(input.ip), throttleKey.account(address ?? String(input.address).slice(0, 320))];
  const mailbox = address
    ? await db.mailbox.findUnique({
        where: { address },
        select: { id: true, address: true, domainId: true, passwordHash: true, enabled: true, domain: { select: { enabled: true } } },
      })
    : null;
  const policy = await getEffectivePolicy(db, mailbox?.domainId);
  if (await lockedUntil(db, keys)) return { ok: false, reason: 'throttled' };

  const password = String(input.password ?? '');
  const passwordOk =
    password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(mailbox?.passwordHash ?? (await dummyHash()), password));
  if (mailbox && passwordOk && mailbox.enabled && mailbox.domain.enabled) {
    await resetFailures(db, keys[1]); // not the IP key: one good account must not reset guesses at others
    return { ok: true, mailbox: { id: mailbox.id, address: mailbox.address, domainId: mailbox.domainId } };
  }
  for (const key of keys) await recordFailure(db, key, policy.bruteForce);
  return { ok: false, reason: 'invalid' };
}
