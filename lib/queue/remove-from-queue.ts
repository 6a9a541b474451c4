import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { auditPerMessage, lockTargets, perMessage, type QueueActionResult } from './target';
import type { QueueTarget } from './validations';

/**
 * Deletes recipient rows (whatever their state) and, by cascade, their attempt log: the
 * mail is dropped without telling its sender. A recipient a daemon is delivering right
 * now is refused (the remote server may already have it): try again when the attempt ends.
 */
export async function removeFromQueue(db: Db, actor: Actor, input: QueueTarget): Promise<QueueActionResult> {
  return db.$transaction(async (tx) => {
    const rows = await lockTargets(tx, actor, input);
    const busy = rows.find((r) => r.in_flight);
    if (busy) throw new ServiceError('conflict', `${busy.rcpt} is being delivered right now; try again when the attempt ends`);
    await tx.$executeRaw`DELETE FROM outbound_queue WHERE id = ANY(${rows.map((r) => r.id)}::uuid[])`;
    await auditPerMessage(tx, actor, 'queue.remove', rows, (group) => ({
      before: { mailFrom: group[0].mail_from, recipients: group.map((r) => ({ rcpt: r.rcpt, status: r.status, attempts: r.attempts })) },
    }));
    return { queueIds: [...perMessage(rows).keys()], recipients: rows.map((r) => r.rcpt), skipped: [] };
  });
}
