import ipaddr from 'ipaddr.js';
import type pg from 'pg';
import type { Policy } from '@/lib/policy';

// Greylisting (RFC 6647): a (network, sender, recipient) triplet seen for the first time is
// deferred with a 4xx; a real MTA retries (RFC 5321 §4.5.4.1), most spam engines do not. The
// network is the client's /24 (IPv6 /64) because large senders retry from another address of
// the same pool (RFC 6647 §2.2). Kept in Postgres, one upsert per RCPT, so every daemon behind
// one MX name shares the same memory.

/** RFC 6647 §2.2: the client's network, the unit a retry may come from. */
export function greylistNetwork(ip: string): string {
  const addr = ipaddr.process(ip);
  const bits = addr.kind() === 'ipv4' ? 24 : 64;
  const bytes = addr.toByteArray();
  const keep = bits / 8;
  const masked = bytes.map((b, i) => (i < keep ? b : 0));
  return `${ipaddr.fromByteArray(masked).toString()}/${bits}`;
}

export type GreylistDecision = { pass: true } | { pass: false; waitSeconds: number };

/**
 * One statement per attempt: a new triplet is inserted; an existing one passes once the delay
 * is over (RFC 6647 §2.1) and keeps passing while it is seen within passDays; a triplet whose
 * retry window ran out before it passed, or that passed and then went unseen for passDays,
 * starts over.
 */
export async function greylistAttempt(pool: pg.Pool, triplet: { network: string; sender: string; recipient: string }, settings: Policy['greylisting']): Promise<GreylistDecision> {
  const r = await pool.query<{ passed: boolean; wait: string }>(
    `INSERT INTO greylist AS g (network, sender, recipient) VALUES ($1, $2, $3)
     ON CONFLICT (network, sender, recipient) DO UPDATE SET
       first_seen = CASE WHEN ${expired('g')} THEN now() ELSE g.first_seen END,
       passed_at = CASE WHEN ${expired('g')} THEN NULL
                        WHEN g.passed_at IS NULL AND g.first_seen <= now() - make_interval(secs => $4) THEN now()
                        ELSE g.passed_at END,
       attempts = CASE WHEN ${expired('g')} THEN 1 ELSE g.attempts + 1 END,
       last_seen = now()
     RETURNING passed_at IS NOT NULL AS passed,
       GREATEST(0, EXTRACT(EPOCH FROM first_seen + make_interval(secs => $4) - now()))::text AS wait`,
    [triplet.network, triplet.sender.toLowerCase(), triplet.recipient.toLowerCase(), settings.delaySeconds, settings.retryWindowHours, settings.passDays],
  );
  const row = r.rows[0];
  return row.passed ? { pass: true } : { pass: false, waitSeconds: Math.ceil(Number(row.wait)) };
}

function expired(g: string): string {
  return `((${g}.passed_at IS NULL AND ${g}.first_seen < now() - make_interval(hours => $5))
        OR (${g}.passed_at IS NOT NULL AND ${g}.last_seen < now() - make_interval(days => $6)))`;
}

/**
 * Housekeeping: rows that can no longer pass or be passed (retry window over without a pass,
 * or passed and unseen for passDays). Uses the global settings; a domain's longer passDays
 * keeps at most a triplet that would have to wait once more.
 */
export async function pruneGreylist(pool: pg.Pool, settings: Policy['greylisting']): Promise<number> {
  const r = await pool.query(
    `DELETE FROM greylist WHERE (passed_at IS NULL AND first_seen < now() - make_interval(hours => $1))
        OR (passed_at IS NOT NULL AND last_seen < now() - make_interval(days => $2))`,
    [settings.retryWindowHours, settings.passDays],
  );
  return r.rowCount ?? 0;
}
