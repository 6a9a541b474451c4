import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { queueScope } from './scope';

/** Messages (queue ids) with a recipient still waiting for delivery (queued or deferred), in the actor's scope. */
export async function countWaiting(db: Db, actor: Actor): Promise<number> {
  const scope = await queueScope(db, actor);
  const [row] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(DISTINCT q.queue_id) AS n FROM outbound_queue q WHERE q.status IN ('QUEUED', 'DEFERRED') AND ${scope}`;
  return Number(row?.n ?? 0);
}
