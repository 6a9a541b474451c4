import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { Prisma } from '@/lib/generated/prisma/client';
import { decodeCursor, encodeCursor } from './cursor';
import { RECIPIENT_COLUMNS, summarize, type QueuePage, type RecipientRow } from './dto';
import { and, queueScope } from './scope';
import { DEFAULT_STATUSES, likeContains, listQueueSchema, parseInput, type ListQueueInput } from './validations';

/**
 * One page of the queue, one entry per message (queue id) with all of its recipients'
 * states, newest first. A message is listed when any of its recipients matches every
 * filter. Keyset-paged on (created_at, queue_id): a page reads from the created_at index
 * (or the status index for the usual "not delivered" view), never OFFSET.
 */
export async function listQueue(db: Db, actor: Actor, input: ListQueueInput = {}): Promise<QueuePage> {
  const f = parseInput(listQueueSchema, input);
  const limit = f.limit ?? 50;
  const after = decodeCursor(f.cursor);
  const statuses = f.status?.length ? f.status : [...DEFAULT_STATUSES];
  const scope = await queueScope(db, actor);

  const where: Prisma.Sql[] = [scope, Prisma.sql`q.status = ANY(${statuses}::"OutboundStatus"[])`];
  if (f.sender) where.push(Prisma.sql`q.mail_from ILIKE ${likeContains(f.sender)}`);
  if (f.recipientDomain) where.push(Prisma.sql`q.domain = ${f.recipientDomain}`);
  if (f.olderThan !== undefined) where.push(Prisma.sql`q.created_at <= now() - make_interval(secs => ${f.olderThan}::int)`);
  if (after) {
    where.push(Prisma.sql`q.created_at <= ${after.at} AND (q.created_at < ${after.at} OR q.queue_id < ${after.key})`);
  }

  const keys = await db.$queryRaw<{ queue_id: string; created_at: Date }[]>`
    SELECT q.queue_id, q.created_at FROM outbound_queue q
     WHERE ${and(where)}
     GROUP BY q.created_at, q.queue_id
     ORDER BY q.created_at DESC, q.queue_id DESC
     LIMIT ${limit + 1}`;
  const page = keys.slice(0, limit);
  if (!page.length) return { messages: [], next: null };

  const ids = [...new Set(page.map((k) => k.queue_id))];
  const rows = await db.$queryRaw<RecipientRow[]>`
    SELECT ${RECIPIENT_COLUMNS} FROM outbound_queue q
     WHERE q.queue_id = ANY(${ids}::text[]) AND ${scope}
     ORDER BY q.rcpt, q.id`;
  const byQueueId = new Map<string, RecipientRow[]>();
  for (const r of rows) byQueueId.set(r.queue_id, [...(byQueueId.get(r.queue_id) ?? []), r]);

  const seen = new Set<string>();
  const messages = page.flatMap((k) => {
    const group = byQueueId.get(k.queue_id);
    // A queue id is listed once even if its rows were queued at different times.
    if (!group || seen.has(k.queue_id)) return [];
    seen.add(k.queue_id);
    return [summarize(group)];
  });
  const last = page[page.length - 1];
  return { messages, next: keys.length > limit ? encodeCursor(last.created_at, last.queue_id) : null };
}
