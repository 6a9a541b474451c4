import { appPasswordAmong, MAX_APP_PASSWORDS } from '@/lib/app-passwords/app-passwords';
import { normalizeAppPassword } from '@/lib/app-passwords/format';
import { isDatabaseUnavailable } from '@/lib/db/faults';
import type { Db } from '@/lib/db/prisma';
import { Prisma } from '@/lib/generated/prisma/client';
import { GLOBAL_POLICY_ID, policyFromSettings, type PolicyReader } from '@/lib/policy/get-policy';
import { clientTlsUpsert } from '@/lib/tls-stats/record';
import { normalizeAddress } from '@/lib/validations/address';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { dummyHash, verifyPassword } from './password';
import { attemptKeys, judgeAdmission, recordLoginFailure, successKey, THROTTLE_ROW_SQL, type LoginAttempt, type SlowDown, type ThrottleRow } from './throttle';

export interface MailboxLoginInput {
  address: string;
  password: string;
  ip: string;
  service: 'smtp' | 'imap' | 'pop3';
  /**
   * The client's TLS (version and cipher as Node names them; null in cleartext). Given, a success
   * records the login for the TLS statistics and the owner's recent logins (tls_client_logins,
   * lib/tls-stats/record.ts) in the statement that does its throttle bookkeeping.
   */
  clientTls?: { version: string | null; cipher: string | null };
}

export type MailboxLoginResult =
  | {
      ok: true;
      mailbox: { id: string; address: string; domainId: string };
      /** The app password that opened the session (lib/app-passwords), or null for the mailbox password. */
      appPasswordId: string | null;
    }
  | { ok: false; reason: 'invalid' | 'throttled' };

/** What the login's first statement reads; the columns are null for an unknown address. */
interface LoginRow {
  id: string | null;
  address: string | null;
  domainId: string | null;
  passwordHash: string | null;
  enabled: boolean | null;
  throttle: ThrottleRow[];
  globalPolicy: unknown;
  domainPolicy: unknown;
  appPasswords: { id: string; passwordHash: string }[] | null;
}

/**
 * SMTP AUTH, IMAP LOGIN and POP3 USER/PASS. A mailbox's app passwords are tried first for
 * input of their shape, then the mailbox password — unless the policy's requireAppPasswords
 * refuses it here (it still opens the self-service area). The same answer whether the user is unknown, disabled,
 * in a disabled domain or gave a wrong password; an unknown user still costs one
 * argon2 verification so timing tells nothing. Throttled as ./throttle.ts says, under
 * the mail protocols' keys (group 'mail', shared by SMTP and IMAP and every process,
 * never the panel's): a locked (account, IP) pair or IP answers 'throttled' before any
 * password is checked; an account under attack is answered late, never refused.
 * The brute-force limits are the mailbox domain's policy, from `policy` when given (a cache),
 * else read with the mailbox. `slowDown` is a test knob.
 *
 * Two statements around the argon2 work: one reads the mailbox, its domain's enabled flag, the
 * attempt's throttle rows, the stored policy (global row and the domain's override) and, for
 * input of an app password's shape, the mailbox's app passwords; one records the outcome (a
 * failure's three throttle counts; a success's throttle reset, the app password's last use and,
 * with `clientTls`, the login). A throttled attempt writes nothing.
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
  const password = String(input.password ?? '');
  const sizeOk = password.length <= MAX_PASSWORD_LENGTH;
  const tryAppPasswords = sizeOk && normalizeAppPassword(password) !== null;
  const row = await readLogin(db, address, attempt, { policy: !options.policy, appPasswords: tryAppPasswords });
  const mailbox = row.id ? { id: row.id, address: row.address!, domainId: row.domainId! } : null;
  const policy = options.policy ? await options.policy.get(mailbox?.domainId) : policyFromSettings(row.globalPolicy, row.domainPolicy);
  if (!(await judgeAdmission(attempt, row.throttle, policy.bruteForce, options.slowDown)).admitted) return { ok: false, reason: 'throttled' };

  const appPasswordId = mailbox && tryAppPasswords ? await appPasswordAmong(row.appPasswords ?? [], password) : null;
  const passwordOk =
    appPasswordId !== null || (sizeOk && (await verifyPassword(row.passwordHash ?? (await dummyHash()), password)) && !policy.requireAppPasswords);
  if (mailbox && passwordOk && row.enabled) {
    await recordSuccess(db, attempt, { mailboxId: mailbox.id, appPasswordId, service: input.service, clientTls: input.clientTls });
    return { ok: true, mailbox, appPasswordId };
  }
  await recordLoginFailure(db, attempt, policy.bruteForce);
  return { ok: false, reason: 'invalid' };
}

/** The first statement: one row whatever the address (an unknown one has no mailbox columns). */
async function readLogin(db: Db, address: string | null, attempt: LoginAttempt, read: { policy: boolean; appPasswords: boolean }): Promise<LoginRow> {
  const rows = await db.$queryRaw<LoginRow[]>`
    WITH mb AS (
      SELECT m.id, m.address, m.domain_id, m.password_hash, (m.enabled AND d.enabled) AS enabled
        FROM mailboxes m JOIN domains d ON d.id = m.domain_id
       WHERE m.address = ${address}::text
    )
    SELECT mb.id::text AS id, mb.address, mb.domain_id::text AS "domainId", mb.password_hash AS "passwordHash", mb.enabled,
           coalesce((SELECT json_agg(x) FROM (SELECT ${THROTTLE_ROW_SQL} FROM auth_throttle WHERE key = ANY(${attemptKeys(attempt)})) x), '[]'::json) AS throttle,
           (SELECT p.settings FROM policies p WHERE ${read.policy}::boolean AND p.id = ${GLOBAL_POLICY_ID}::uuid) AS "globalPolicy",
           (SELECT p.settings FROM policies p WHERE ${read.policy}::boolean AND p.domain_id = mb.domain_id) AS "domainPolicy",
           (SELECT json_agg(a) FROM (SELECT ap.id, ap.password_hash AS "passwordHash" FROM app_passwords ap
               WHERE ${read.appPasswords}::boolean AND ap.mailbox_id = mb.id ORDER BY ap.created_at LIMIT ${MAX_APP_PASSWORDS}::int) a) AS "appPasswords"
      FROM (SELECT 1) one LEFT JOIN mb ON true`;
  return rows[0];
}

/**
 * A success forgets its (account, IP) pair's failures, notes the app password's last use and,
 * with the client's TLS, records the login: one statement. Best effort on a read-only database
 * (a standby after failover): the right password still logs in, unrecorded.
 */
async function recordSuccess(
  db: Db,
  attempt: LoginAttempt,
  s: { mailboxId: string; appPasswordId: string | null; service: MailboxLoginInput['service']; clientTls?: MailboxLoginInput['clientTls'] },
): Promise<void> {
  const login = s.clientTls
    ? Prisma.sql`, login AS (${clientTlsUpsert({ mailboxId: s.mailboxId, service: s.service, tlsVersion: s.clientTls.version, cipher: s.clientTls.cipher, clientIp: attempt.ip })})`
    : Prisma.empty;
  await db.$queryRaw`
    WITH pair AS (DELETE FROM auth_throttle WHERE key = ${successKey(attempt)}),
         used AS (UPDATE app_passwords SET last_used_at = now() WHERE id = ${s.appPasswordId}::uuid)
         ${login}
    SELECT 1`.catch((err: unknown) => {
    if (!isDatabaseUnavailable(err)) throw err;
  });
}
