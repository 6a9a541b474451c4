import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { Prisma } from '@/lib/generated/prisma/client';
import { ServiceError } from '@/lib/errors';
import { RECIPIENT_COLUMNS, summarize, type QueuedMessageSummary, type RecipientRow } from './dto';
import { HEADER_BYTES, headerBlock, headerValue, type HeaderBlock } from './headers';
import { queueScope } from './scope';
import { parseInput, queueIdSchema } from './validations';

export interface AttemptView {
  id: string;
  recipientId: string;
  rcpt: string;
  startedAt: Date;
  durationMs: number;
  instanceId: string;
  mxHost: string | null;
  ip: string | null;
  port: number | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  /** "dane" | "mta-sts" | "pkix" | "unverified" | "none" */
  tlsVerification: string;
  mtaSts: string | null;
  /** "sent" | "deferred" | "failed" */
  outcome: string;
  code: number | null;
  enhanced: string;
  reply: string;
}

export interface ReceiptView {
  receivedAt: Date;
  listener: string;
  clientIp: string;
  clientName: string | null;
  helo: string;
  mailFrom: string;
  rcpts: string[];
  authUser: string | null;
  protocol: string;
  size: number;
  tlsVersion: string | null;
  tlsCipher: string | null;
}

export interface QueuedMessage extends QueuedMessageSummary {
  size: number | null;
  subject: string | null;
  messageId: string | null;
  headers: HeaderBlock;
  /** Every attempt for every recipient, oldest first. */
  attemptLog: AttemptView[];
  /** What our SMTP server received (null for our own notices). */
  receipt: ReceiptView | null;
}

export function notInQueue(queueId: string): ServiceError {
  return new ServiceError('not_found', `no message ${queueId} in the queue`, 'queueId');
}

/** One message in the queue with everything the admin needs to judge it; not found when out of scope. */
export async function getQueuedMessage(db: Db, actor: Actor, input: { queueId: string }): Promise<QueuedMessage> {
  const queueId = parseInput(queueIdSchema, input.queueId, 'queueId');
  const scope = await queueScope(db, actor);
  const rows = await db.$queryRaw<RecipientRow[]>`
    SELECT ${RECIPIENT_COLUMNS} FROM outbound_queue q WHERE q.queue_id = ${queueId} AND ${scope} ORDER BY q.rcpt, q.id`;
  if (!rows.length) throw notInQueue(queueId);

  const [attempts, blob, receipt] = await Promise.all([
    db.outboundAttempt.findMany({
      where: { outboundId: { in: rows.map((r) => r.id) } },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      take: 5000,
    }),
    db.$queryRaw<{ size: number; head: Uint8Array }[]>(
      Prisma.sql`SELECT size, substring(raw from 1 for ${HEADER_BYTES}::int) AS head FROM mail_blobs WHERE id = ${rows[0].blob_id}::uuid`,
    ),
    db.smtpReceipt.findUnique({
      where: { queueId },
      select: {
        receivedAt: true, listener: true, clientIp: true, clientName: true, helo: true, mailFrom: true, rcpts: true,
        authUser: true, protocol: true, size: true, tlsVersion: true, tlsCipher: true,
      },
    }),
  ]);
  const headers = blob[0] ? headerBlock(blob[0].head, blob[0].size) : { fields: [], truncated: false };
  return {
    ...summarize(rows),
    size: blob[0]?.size ?? null,
    subject: headerValue(headers, 'Subject'),
    messageId: headerValue(headers, 'Message-ID'),
    headers,
    attemptLog: attempts.map((a) => ({
      id: a.id, recipientId: a.outboundId, rcpt: a.rcpt, startedAt: a.startedAt, durationMs: a.durationMs, instanceId: a.instanceId,
      mxHost: a.mxHost, ip: a.ip, port: a.port, tlsVersion: a.tlsVersion, tlsCipher: a.tlsCipher, tlsVerification: a.tlsVerification,
      mtaSts: a.mtaSts, outcome: a.outcome, code: a.code, enhanced: a.enhanced, reply: a.reply,
    })),
    receipt,
  };
}
