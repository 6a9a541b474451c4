import ipaddr from 'ipaddr.js';
import { Prisma } from '@/lib/generated/prisma/client';
import type { DbOrTx } from '@/lib/audit/types';
import type { Policy } from '@/lib/policy/schema';

export type BruteForce = Policy['bruteForce'];

// Counter keys. One table for every process (panel, SMTP, IMAP), so an attacker
// cannot spread guesses across protocols or daemon instances.
export const throttleKey = {
  ip: (ip: string) => `ip:${canonicalIp(ip)}`,
  account: (address: string) => `account:${address.toLowerCase()}`,
  admin: (email: string) => `admin:${email.toLowerCase()}`,
};

// "::ffff:192.0.2.1" (a v4 client on a dual-stack socket) and "192.0.2.1" are one client.
function canonicalIp(ip: string): string {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return String(ip).slice(0, 64);
  }
}

/**
 * Counts one failure in a single atomic upsert (concurrent failures from several
 * processes never lose a count). A window that has passed, or a lockout that has
 * ended, starts a fresh count. Reaching maxFailures locks the key for lockoutSeconds.
 */
export async function recordFailure(db: DbOrTx, key: string, rules: BruteForce): Promise<{ failures: number; lockedUntil: Date | null }> {
  const lockout = Prisma.sql`now() + make_interval(secs => ${rules.lockoutSeconds}::int)`;
  const fresh = Prisma.sql`(t.window_start < now() - make_interval(secs => ${rules.windowSeconds}::int)
    OR (t.locked_until IS NOT NULL AND t.locked_until <= now()))`;
  const next = Prisma.sql`(CASE WHEN ${fresh} THEN 1 ELSE t.failures + 1 END)`;
  const rows = await db.$queryRaw<{ failures: number; locked_until: Date | null }[]>`
    INSERT INTO auth_throttle AS t (key, failures, window_start, locked_until)
    VALUES (${key}, 1, now(), CASE WHEN 1 >= ${rules.maxFailures}::int THEN ${lockout} END)
    ON CONFLICT (key) DO UPDATE SET
      failures = ${next},
      window_start = CASE WHEN ${fresh} THEN now() ELSE t.window_start END,
      locked_until = CASE WHEN ${next} >= ${rules.maxFailures}::int THEN ${lockout}
        WHEN ${fresh} THEN NULL ELSE t.locked_until END
    RETURNING t.failures, t.locked_until`;
  return { failures: Number(rows[0].failures), lockedUntil: rows[0].locked_until };
}

/** The latest lockout still running among the keys, or null when none is locked. */
export async function lockedUntil(db: DbOrTx, keys: string[]): Promise<Date | null> {
  const rows = await db.$queryRaw<{ until: Date | null }[]>`
    SELECT max(locked_until) AS until FROM auth_throttle WHERE key = ANY(${keys}) AND locked_until > now()`;
  return rows[0]?.until ?? null;
}

/** Forget a key's failures (after a successful login). */
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
