import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { isWaiting } from './dto';
import { auditPerMessage, lockTargets, perMessage, type QueueActionResult } from './target';
import type { QueueTarget } from './validations';

/**
 * Gives up on the waiting recipients: marks them for bounce and makes them due now, then
 * wakes the runners. The runner, not this service, returns the mail to its sender (one
 * delivery status notice, as for any permanent failure) and marks the recipients BOUNCED.
 */
export async function bounceNow(db: Db, actor: Actor, input: QueueTarget): Promise<QueueActionResult> {
  return db.$transaction(async (tx) => {
    const rows = await lockTargets(tx, actor, input);
    const waiting = rows.filter((r) => isWaiting(r.status));
    if (!waiting.length) throw new ServiceError('conflict', 'nothing to bounce: every recipient was already delivered or bounced');
    await tx.$executeRaw`
      UPDATE outbound_queue SET bounce_requested_at = coalesce(bounce_requested_at, now()), next_attempt_at = now(), updated_at = now()
       WHERE id = ANY(${waiting.map((r) => r.id)}::uuid[])`;
    await auditPerMessage(tx, actor, 'queue.bounce', waiting, (group) => ({
      after: { mailFrom: group[0].mail_from, recipients: group.map((r) => r.rcpt) },
    }));
    await announce(tx, CHANNELS.outbound, {});
    return {
      queueIds: [...perMessage(waiting).keys()],
      recipients: waiting.map((r) => r.rcpt),
      skipped: rows.filter((r) => !isWaiting(r.status)).map((r) => r.rcpt),
    };
  });
}
