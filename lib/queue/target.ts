import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import { Prisma } from '@/lib/generated/prisma/client';
import { ServiceError } from '@/lib/errors';
import { RECIPIENT_COLUMNS, type RecipientRow } from './dto';
import { notInQueue } from './get-queued-message';
import { and, queueScope } from './scope';
import { parseInput, queueTargetSchema, type QueueTarget } from './validations';

/**
 * The recipient rows an action targets, locked FOR UPDATE (a runner's claim skips them
 * until we commit). Rows outside the actor's scope are treated exactly like absent ones:
 * if any asked-for recipient is missing, nothing is done and the answer is "not found".
 */
export async function lockTargets(tx: Prisma.TransactionClient, actor: Actor, input: QueueTarget): Promise<RecipientRow[]> {
  const target = parseInput(queueTargetSchema, input);
  const where: Prisma.Sql[] = [await queueScope(tx, actor)];
  if (target.queueId) where.push(Prisma.sql`q.queue_id = ${target.queueId}`);
  const ids = target.recipientIds ? [...new Set(target.recipientIds.map((id) => id.toLowerCase()))] : undefined;
  if (ids) where.push(Prisma.sql`q.id = ANY(${ids}::uuid[])`);
  const rows = await tx.$queryRaw<RecipientRow[]>`
    SELECT ${RECIPIENT_COLUMNS} FROM outbound_queue q WHERE ${and(where)} ORDER BY q.queue_id, q.rcpt, q.id FOR UPDATE OF q`;
  if (!rows.length || (ids && rows.length !== ids.length)) {
    if (target.queueId) throw notInQueue(target.queueId);
    throw new ServiceError('not_found', 'no such recipient in the queue', 'recipientIds');
  }
  return rows;
}

/** The rows grouped per message, in order. */
export function perMessage(rows: RecipientRow[]): Map<string, RecipientRow[]> {
  const out = new Map<string, RecipientRow[]>();
  for (const r of rows) out.set(r.queue_id, [...(out.get(r.queue_id) ?? []), r]);
  return out;
}

/** One audit row per message touched, in the action's transaction; the target is the queue id. */
export async function auditPerMessage(
  tx: Prisma.TransactionClient,
  actor: Actor,
  action: string,
  rows: RecipientRow[],
  view: (group: RecipientRow[]) => { before?: unknown; after?: unknown },
): Promise<void> {
  for (const [queueId, group] of perMessage(rows)) {
    const { before, after } = view(group);
    await audit(tx, actor, action, queueId, before, after);
  }
}

export interface QueueActionResult {
  /** The messages touched. */
  queueIds: string[];
  /** The recipients the action applied to. */
  recipients: string[];
  /** Recipients skipped because they were already delivered or bounced. */
  skipped: string[];
}
