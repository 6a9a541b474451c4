import ipaddr from 'ipaddr.js';
import { Prisma } from '@/lib/generated/prisma/client';
import type { DbOrTx } from '@/lib/audit/types';
import { isDatabaseUnavailable } from '@/lib/db/faults';
import type { Policy } from '@/lib/policy/schema';

export type BruteForce = Policy['bruteForce'];

/*
 * Brute-force throttling that an attacker cannot aim at somebody else.
 *
 * Counters live in Postgres (auth_throttle), shared by every panel and daemon process.
 * Every key starts with a service group, so the panel's counters and the mail
 * protocols' (SMTP AUTH and IMAP LOGIN together) never touch: the panel's client IP
 * comes from a header (lib/dal/ip.ts), the mail listeners' from the socket, and a
 * forged header on the panel must not lock anyone out of mail.
 *
 * Per login attempt, with the policy's bruteForce { maxFailures, windowSeconds,
 * lockoutSeconds } (defaults 5, 900 s, 900 s):
 *
 *  - `<group>:account-ip:<account>|<ip>`: maxFailures failures for one account from one
 *    IP within windowSeconds lock that pair for lockoutSeconds. The account stays open
 *    from every other address.
 *  - `<group>:ip:<ip>`: IP_FAILURE_FACTOR × maxFailures (20) failures from one IP,
 *    across accounts, within windowSeconds lock that IP for lockoutSeconds (a password
 *    sprayer). Four times the per-pair limit so one user's typos behind a shared NAT do
 *    not lock the office.
 *  - `<group>:account:<account>`: failures for the account from anywhere, counted in a
 *    window that slides (it restarts only after windowSeconds without a failure). Once
 *    they reach maxFailures, every attempt on the account, right password or not, waits
 *    before it is answered: baseMs (1 s) for the maxFailures-th failure, doubling per
 *    failure, capped at capMs (16 s; reached at maxFailures + 4). Never a refusal.
 *
 * A locked key is answered "throttled" at once, before any password is checked. A
 * success forgets only its (account, IP) pair: not the IP key (one good account must not
 * reset guesses at others) and not the account key (the owner signing in must not give
 * the attacker fresh fast guesses).
 *
 * The arithmetic, with the defaults:
 *  - One IP, one account: 5 guesses, then that pair is locked 15 min: at most 5 per
 *    ~15 min, 20 per hour (and from the 5th on each answer is 1–16 s late).
 *  - One IP, many accounts: 5 per account, 20 in all, then the IP is locked 15 min:
 *    at most ~80 per hour, 20 of them against any one account.
 *  - N IPs against one account: each IP still gets 5 per 15 min (20N per hour), and
 *    after the first 9 failures every answer on the account takes 16 s, so each
 *    connection or request the attacker holds open yields at most 225 guesses per
 *    hour. The delay costs latency, not throughput: the bound is 20N per hour, and
 *    225 × (connections held at once); the mail listeners' per-IP connection limits
 *    cap the latter.
 *  - The owner: from any address where they have not themselves failed 5 times, the
 *    right password always works — at worst 16 s late while the account is under
 *    attack and for windowSeconds (15 min) after the last failed guess. From an address
 *    the owner shares with the attacker (same NAT), that address is the attacker's too.
 *  - The panel: its client IP is only as true as lib/dal/ip.ts can make it. A forged
 *    X-Forwarded-For can at most lock the panel's (admin, forged IP) pair or the
 *    panel's forged-IP key for lockoutSeconds, never mail, never the admin's other
 *    addresses; rotating forged values escapes the panel's IP keys but not the
 *    account's slow-down.
 */

export type ServiceGroup = 'panel' | 'mail';

/** The per-IP limit across accounts, as a multiple of maxFailures. */
export const IP_FAILURE_FACTOR = 4;

/** The per-account slow-down: baseMs once the account's failures reach maxFailures, doubling per failure, at most capMs. */
export interface SlowDown {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_SLOW_DOWN: SlowDown = { baseMs: 1000, capMs: 16_000 };
let processSlowDown: SlowDown = DEFAULT_SLOW_DOWN;

/**
 * The slow-down used when a caller passes none (the daemons and the panel pass none).
 * A test knob, like mox's authFailDelay: tests that go through the daemons set it small.
 * `null` restores the default.
 */
export function setDefaultSlowDown(slowDown: SlowDown | null): void {
  processSlowDown = slowDown ?? DEFAULT_SLOW_DOWN;
}

// Counter keys, prefixed by service group.
export const throttleKey = {
  ip: (group: ServiceGroup, ip: string) => `${group}:ip:${canonicalIp(ip)}`,
  accountIp: (group: ServiceGroup, account: string, ip: string) => `${group}:account-ip:${account.toLowerCase()}|${canonicalIp(ip)}`,
  account: (group: ServiceGroup, account: string) => `${group}:account:${account.toLowerCase()}`,
};

// "::ffff:192.0.2.1" (a v4 client on a dual-stack socket) and "192.0.2.1" are one client.
function canonicalIp(ip: string): string {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return String(ip).slice(0, 64);
  }
}

/** Who is trying: the service group, the account name as given (normalized when possible), the client IP. */
export interface LoginAttempt {
  group: ServiceGroup;
  account: string;
  ip: string;
}

function keysOf(a: LoginAttempt) {
  return {
    ip: throttleKey.ip(a.group, a.ip),
    accountIp: throttleKey.accountIp(a.group, a.account, a.ip),
    account: throttleKey.account(a.group, a.account),
  };
}

/** The wait before answering an attempt on an account with `failures` recent failures. */
export function slowDownMs(failures: number, rules: BruteForce, slowDown: SlowDown = processSlowDown): number {
  if (failures < rules.maxFailures) return 0;
  return Math.min(slowDown.capMs, slowDown.baseMs * 2 ** Math.min(failures - rules.maxFailures, 30));
}

export type Admission = { admitted: false } | { admitted: true; delayMs: number };

/** An attempt's counter rows as the database holds them now: `ageSeconds` since window_start. */
export interface ThrottleRow {
  key: string;
  failures: number;
  locked: boolean;
  ageSeconds: number;
}

/** The select list of one throttle row for `judgeAdmission`, the clock being the database's. */
export const THROTTLE_ROW_SQL = Prisma.sql`key, failures, (locked_until IS NOT NULL AND locked_until > now()) AS locked,
  extract(epoch FROM now() - window_start)::float8 AS "ageSeconds"`;

/** The keys an attempt reads before its password is checked (`judgeAdmission` wants their rows). */
export function attemptKeys(attempt: LoginAttempt): string[] {
  const keys = keysOf(attempt);
  return [keys.ip, keys.accountIp, keys.account];
}

/**
 * The admission of an attempt from its rows (read by `admitLogin`, or by a caller's own
 * statement that reads them with more): refused when the (account, IP) pair or the IP is
 * locked; otherwise admitted, after waiting the account's slow-down (`delayMs` says how long).
 */
export async function judgeAdmission(attempt: LoginAttempt, rows: ThrottleRow[], rules: BruteForce, slowDown: SlowDown = processSlowDown): Promise<Admission> {
  const keys = keysOf(attempt);
  if (rows.some((r) => r.locked && (r.key === keys.ip || r.key === keys.accountIp))) return { admitted: false };
  const account = rows.find((r) => r.key === keys.account && Number(r.ageSeconds) <= rules.windowSeconds);
  const delayMs = account ? slowDownMs(Number(account.failures), rules, slowDown) : 0;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return { admitted: true, delayMs };
}

/**
 * Before checking a password: refused when the (account, IP) pair or the IP is locked;
 * otherwise admitted, after waiting the account's slow-down (`delayMs` says how long).
 */
export async function admitLogin(db: DbOrTx, attempt: LoginAttempt, rules: BruteForce, slowDown: SlowDown = processSlowDown): Promise<Admission> {
  const rows = await db.$queryRaw<ThrottleRow[]>`SELECT ${THROTTLE_ROW_SQL} FROM auth_throttle WHERE key = ANY(${attemptKeys(attempt)})`;
  return judgeAdmission(attempt, rows, rules, slowDown);
}

/**
 * A wrong password (or second factor): counts against the pair, the IP and the account, in one
 * statement (three upserts of three different keys).
 */
export async function recordLoginFailure(db: DbOrTx, attempt: LoginAttempt, rules: BruteForce): Promise<void> {
  const keys = keysOf(attempt);
  // Data-modifying WITH items run once each, whether read or not.
  await db.$queryRaw`WITH pair_failure AS (${failureUpsert(keys.accountIp, rules)}),
    ip_failure AS (${failureUpsert(keys.ip, { ...rules, maxFailures: rules.maxFailures * IP_FAILURE_FACTOR })}),
    account_failure AS (${slidingFailureUpsert(keys.account, rules)})
    SELECT 1`;
}

/**
 * A success forgets the (account, IP) pair's failures only (see the top of this file). Best
 * effort: on a read-only database (a standby after failover) the right password still logs in;
 * the pair's old failures then stay until their window passes.
 */
export async function recordLoginSuccess(db: DbOrTx, attempt: LoginAttempt): Promise<void> {
  await resetFailures(db, keysOf(attempt).accountIp).catch((err) => {
    if (!isDatabaseUnavailable(err)) throw err;
  });
}

/** The key a success forgets: its (account, IP) pair (see the top of this file). */
export function successKey(attempt: LoginAttempt): string {
  return keysOf(attempt).accountIp;
}

/**
 * Counts one failure in a single atomic upsert (concurrent failures from several
 * processes never lose a count). A window that has passed, or a lockout that has
 * ended, starts a fresh count. Reaching maxFailures locks the key for lockoutSeconds.
 */
export async function recordFailure(db: DbOrTx, key: string, rules: BruteForce): Promise<{ failures: number; lockedUntil: Date | null }> {
  const rows = await db.$queryRaw<{ failures: number; locked_until: Date | null }[]>`${failureUpsert(key, rules)}`;
  return { failures: Number(rows[0].failures), lockedUntil: rows[0].locked_until };
}

function failureUpsert(key: string, rules: BruteForce): Prisma.Sql {
  const lockout = Prisma.sql`now() + make_interval(secs => ${rules.lockoutSeconds}::int)`;
  const fresh = Prisma.sql`(t.window_start < now() - make_interval(secs => ${rules.windowSeconds}::int)
    OR (t.locked_until IS NOT NULL AND t.locked_until <= now()))`;
  const next = Prisma.sql`(CASE WHEN ${fresh} THEN 1 ELSE t.failures + 1 END)`;
  return Prisma.sql`
    INSERT INTO auth_throttle AS t (key, failures, window_start, locked_until)
    VALUES (${key}, 1, now(), CASE WHEN 1 >= ${rules.maxFailures}::int THEN ${lockout} END)
    ON CONFLICT (key) DO UPDATE SET
      failures = ${next},
      window_start = CASE WHEN ${fresh} THEN now() ELSE t.window_start END,
      locked_until = CASE WHEN ${next} >= ${rules.maxFailures}::int THEN ${lockout}
        WHEN ${fresh} THEN NULL ELSE t.locked_until END
    RETURNING t.failures, t.locked_until`;
}

/**
 * Counts one failure for the slow-down, never locking: window_start holds the latest
 * failure, and the count starts afresh only after windowSeconds without one, so a
 * steady attack keeps the account at the cap.
 */
export async function recordSlidingFailure(db: DbOrTx, key: string, rules: BruteForce): Promise<number> {
  const rows = await db.$queryRaw<{ failures: number }[]>`${slidingFailureUpsert(key, rules)}`;
  return Number(rows[0].failures);
}

function slidingFailureUpsert(key: string, rules: BruteForce): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES (${key}, 1, now())
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_start < now() - make_interval(secs => ${rules.windowSeconds}::int) THEN 1 ELSE t.failures + 1 END,
      window_start = now()
    RETURNING t.failures`;
}

/** The latest lockout still running among the keys, or null when none is locked. */
export async function lockedUntil(db: DbOrTx, keys: string[]): Promise<Date | null> {
  const rows = await db.$queryRaw<{ until: Date | null }[]>`
    SELECT max(locked_until) AS until FROM auth_throttle WHERE key = ANY(${keys}) AND locked_until > now()`;
  return rows[0]?.until ?? null;
}

/** Forget a key's failures. */
export async function resetFailures(db: DbOrTx, key: string): Promise<void> {
  await db.$executeRaw`DELETE FROM auth_throttle WHERE key = ${key}`;
}

/**
 * Deletes counters that no longer matter (window over, no lockout running), so the
 * table holds only recent attackers. The daemon may call this now and then; the
 * counters stay correct without it.
 */
export async function pruneThrottle(db: DbOrTx, rules: BruteForce): Promise<number> {
  return db.$executeRaw`
    DELETE FROM auth_throttle
     WHERE window_start < now() - make_interval(secs => ${rules.windowSeconds}::int)
       AND (locked_until IS NULL OR locked_until <= now())`;
}
