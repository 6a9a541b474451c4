import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { isWaiting } from './dto';
import { auditPerMessage, lockTargets, perMessage, type QueueActionResult } from './target';
import type { QueueTarget } from './validations';

/**
 * Makes the waiting (queued or deferred) recipients due now and wakes every queue runner
 * (NOTIFY postern_outbound, delivered when this transaction commits). Delivered and
 * bounced recipients are left alone; a message with none waiting is a conflict.
 */
export async function retryNow(db: Db, actor: Actor, input: QueueTarget): Promise<QueueActionResult> {
  return db.$transaction(async (tx) => {
    const rows = await lockTargets(tx, actor, input);
    const waiting = rows.filter((r) => isWaiting(r.status));
    if (!waiting.length) throw new ServiceError('conflict', 'nothing to retry: every recipient was already delivered or bounced');
    await tx.$executeRaw`UPDATE outbound_queue SET next_attempt_at = now(), updated_at = now() WHERE id = ANY(${waiting.map((r) => r.id)}::uuid[])`;
    await auditPerMessage(tx, actor, 'queue.retry', waiting, (group) => ({
      before: { recipients: group.map((r) => ({ rcpt: r.rcpt, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at })) },
    }));
    await announce(tx, CHANNELS.outbound, {});
    return {
      queueIds: [...perMessage(waiting).keys()],
      recipients: waiting.map((r) => r.rcpt),
      skipped: rows.filter((r) => !isWaiting(r.status)).map((r) => r.rcpt),
    };
  });
}
