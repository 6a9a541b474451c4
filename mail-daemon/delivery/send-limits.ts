// Abuse limits on authenticated senders, counted from smtp_receipts (written by every
// daemon in the acceptance transaction), so several daemons share one count.
import type pg from 'pg';
import { SYSTEM } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { SEND_LIMIT_ACTION } from '@/lib/queue/count-send-limited';
import type { AuthUser, SendUsage } from '../smtp/backend';

export async function sendUsage(pool: pg.Pool, user: AuthUser): Promise<SendUsage> {
  const { rows } = await pool.query<{ messages: number; recipients: number }>(
    `SELECT count(*) FILTER (WHERE received_at > now() - interval '1 hour')::int AS messages,
            coalesce(sum(cardinality(rcpts)), 0)::int AS recipients
       FROM smtp_receipts WHERE auth_user = $1 AND received_at > now() - interval '1 day'`,
    [user.address],
  );
  return { messagesLastHour: rows[0].messages, recipientsLastDay: rows[0].recipients };
}


/**
 * One audit row per mailbox and hour, however often the client retries: the log shows the
 * event without letting a spammer flood it.
 */
export async function noteSendLimit(db: Db, user: AuthUser, limit: string, value: number): Promise<void> {
  const recent = await db.auditLog.findFirst({
    where: { action: SEND_LIMIT_ACTION, target: user.address, at: { gt: new Date(Date.now() - 3_600_000) } },
    select: { id: true },
  });
  if (!recent) await audit(db, SYSTEM, SEND_LIMIT_ACTION, user.address, undefined, { limit, value });
}
