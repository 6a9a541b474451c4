import { matchAppPassword } from '@/lib/app-passwords/app-passwords';
import type { Db } from '@/lib/db/prisma';
import { databasePolicy, type PolicyReader } from '@/lib/policy/get-policy';
import { normalizeAddress } from '@/lib/validations/address';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { dummyHash, verifyPassword } from './password';
import { admitLogin, recordLoginFailure, recordLoginSuccess, type LoginAttempt, type SlowDown } from './throttle';

export interface MailboxLoginInput {
  address: string;
  password: string;
  ip: string;
  service: 'smtp' | 'imap' | 'pop3';
}

export type MailboxLoginResult =
  | {
      ok: true;
      mailbox: { id: string; address: string; domainId: string };
      /** The app password that opened the session (lib/app-passwords), or null for the mailbox password. */
      appPasswordId: string | null;
    }
  | { ok: false; reason: 'invalid' | 'throttled' };

/**
 * SMTP AUTH, IMAP LOGIN and POP3 USER/PASS. A mailbox's app passwords are tried first for
 * input of their shape, then the mailbox password — unless the policy's requireAppPasswords
 * refuses it here (it still opens the self-service area). The same answer whether the user is unknown, disabled,
 * in a disabled domain or gave a wrong password; an unknown user still costs one
 * argon2 verification so timing tells nothing. Throttled as ./throttle.ts says, under
 * the mail protocols' keys (group 'mail', shared by SMTP and IMAP and every process,
 * never the panel's): a locked (account, IP) pair or IP answers 'throttled' before any
 * password is checked; an account under attack is answered late, never refused.
 * The brute-force limits are the mailbox domain's policy, from `policy` (the daemon passes
 * its cache; by default the database is read). `slowDown` is a test knob.
 */
export async function verifyMailboxLogin(
  db: Db,
  input: MailboxLoginInput,
  options: { slowDown?: SlowDown; policy?: PolicyReader } = {},
): Promise<MailboxLoginResult> {
  let address: string | null = null;
  try {
    address = normalizeAddress(input.address).address;
  } catch {
    // A malformed name is just an unknown user.
  }
  const attempt: LoginAttempt = { group: 'mail', account: address ?? String(input.address ?? '').slice(0, 320), ip: input.ip };
  const mailbox = address
    ? await db.mailbox.findUnique({
        where: { address },
        select: { id: true, address: true, domainId: true, passwordHash: true, enabled: true, domain: { select: { enabled: true } } },
      })
    : null;
  const policy = await (options.policy ?? databasePolicy(db)).get(mailbox?.domainId);
  if (!(await admitLogin(db, attempt, policy.bruteForce, options.slowDown)).admitted) return { ok: false, reason: 'throttled' };

  const password = String(input.password ?? '');
  const appPasswordId = mailbox && password.length <= MAX_PASSWORD_LENGTH ? await matchAppPassword(db, mailbox.id, password) : null;
  const passwordOk =
    appPasswordId !== null ||
    (password.length <= MAX_PASSWORD_LENGTH &&
      (await verifyPassword(mailbox?.passwordHash ?? (await dummyHash()), password)) &&
      !policy.requireAppPasswords);
  if (mailbox && passwordOk && mailbox.enabled && mailbox.domain.enabled) {
    await recordLoginSuccess(db, attempt);
    return { ok: true, mailbox: { id: mailbox.id, address: mailbox.address, domainId: mailbox.domainId }, appPasswordId };
  }
  await recordLoginFailure(db, attempt, policy.bruteForce);
  return { ok: false, reason: 'invalid' };
}
