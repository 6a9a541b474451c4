import type pg from 'pg';
import { pruneThrottle } from '@/lib/auth/throttle';
import type { Db } from '@/lib/db/prisma';
import { DAEMON_ROW_RETENTION_HOURS } from '@/lib/daemons/liveness';
import { retireExpiredDkimKeys } from '@/lib/dkim/retire-expired-dkim-keys';
import { pruneGreylist } from './authentication/greylist';
import { periodicService } from './periodic';
import type { PolicyCache } from './services/policy-cache';
import { sweepOrphanBlobs } from './store';

export const HOUSEKEEPING_INTERVAL_MS = 15 * 60_000;

/**
 * Frees what nothing points at any more: outbound queue entries finished (sent or bounced)
 * longer ago than the policy keeps them for the queue page and the delivery log, with their
 * attempts; raw messages left behind by those and by deleted mailboxes; brute-force counters
 * whose window and lockout are over; greylisting triplets that can no longer pass or be passed;
 * daemon_status rows of daemons that died without removing theirs (no heartbeat for a day).
 * Safe in every daemon at once: all are idempotent deletes.
 */
export async function housekeepingPass(
  db: Db,
  pool: pg.Pool,
  policy: Pick<PolicyCache, 'get'>,
): Promise<{ outbound: number; blobs: number; throttleRows: number; greylist: number; daemonRows: number }> {
  const { outboundRetentionDays, bruteForce, greylisting } = await policy.get();
  const pruned = await pool.query(`DELETE FROM outbound_queue WHERE finished_at < now() - make_interval(days => $1)`, [outboundRetentionDays]);
  const outbound = pruned.rowCount ?? 0;
  let blobs = 0;
  for (let swept = await sweepOrphanBlobs(pool); swept > 0; swept = await sweepOrphanBlobs(pool)) blobs += swept;
  const throttleRows = await pruneThrottle(db, bruteForce);
  const greylist = await pruneGreylist(pool, greylisting);
  const gone = await pool.query(`DELETE FROM daemon_status WHERE heartbeat_at < now() - make_interval(hours => $1)`, [DAEMON_ROW_RETENTION_HOURS]);
  return { outbound, blobs, throttleRows, greylist, daemonRows: gone.rowCount ?? 0 };
}

export function housekeepingService(intervalMs = HOUSEKEEPING_INTERVAL_MS) {
  return periodicService('housekeeping', intervalMs, async (ctx, log) => {
    const done = await housekeepingPass(ctx.db, ctx.pool, ctx.policy);
    // DKIM keys whose grace period is over: retiring → retired (lib/dkim).
    const dkimKeys = await retireExpiredDkimKeys(ctx.db);
    if (done.outbound || done.blobs || done.throttleRows || done.daemonRows || dkimKeys) log.info({ ...done, dkimKeys }, 'housekeeping pass');
  });
}
