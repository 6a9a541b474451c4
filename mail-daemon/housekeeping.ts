import type pg from 'pg';
import { pruneThrottle } from '@/lib/auth/throttle';
import type { Db } from '@/lib/db/prisma';
import { periodicService } from './periodic';
import type { PolicyCache } from './services/policy-cache';
import { sweepOrphanBlobs } from './store';

export const HOUSEKEEPING_INTERVAL_MS = 15 * 60_000;

/**
 * Frees what nothing points at any more: raw messages left behind when a mailbox
 * was deleted (their folders went with it), and brute-force counters whose window
 * and lockout are over. Safe in every daemon at once: both are idempotent deletes.
 */
export async function housekeepingPass(db: Db, pool: pg.Pool, policy: Pick<PolicyCache, 'get'>): Promise<{ blobs: number; throttleRows: number }> {
  let blobs = 0;
  for (let swept = await sweepOrphanBlobs(pool); swept > 0; swept = await sweepOrphanBlobs(pool)) blobs += swept;
  const throttleRows = await pruneThrottle(db, (await policy.get()).bruteForce);
  return { blobs, throttleRows };
}

export function housekeepingService(intervalMs = HOUSEKEEPING_INTERVAL_MS) {
  return periodicService('housekeeping', intervalMs, async (ctx, log) => {
    const done = await housekeepingPass(ctx.db, ctx.pool, ctx.policy);
    if (done.blobs || done.throttleRows) log.info(done, 'housekeeping pass');
  });
}
