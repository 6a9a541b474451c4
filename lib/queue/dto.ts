import { Prisma } from '@/lib/generated/prisma/client';
import type { OutboundStatusName } from './validations';

// What the queue services hand out: plain objects the panel, --json and tests can use as is.
// Lease owners, blob ids and DSN internals stay inside.

export interface RecipientState {
  id: string;
  rcpt: string;
  domain: string;
  status: OutboundStatusName;
  attempts: number;
  nextAttemptAt: Date;
  lastCode: number | null;
  lastEnhanced: string | null;
  lastReply: string | null;
  /** A daemon is delivering it right now (its lease has not run out). */
  inFlight: boolean;
  bounceRequestedAt: Date | null;
  finishedAt: Date | null;
}

export interface QueuedMessageSummary {
  queueId: string;
  /** "" for the null reverse-path (our own notices). */
  mailFrom: string;
  authUser: string | null;
  createdAt: Date;
  recipients: RecipientState[];
  /** The most attempts any recipient has had. */
  attempts: number;
  /** The earliest next attempt of a waiting recipient; null when none waits. */
  nextAttemptAt: Date | null;
  /** The last remote reply worth reading (a waiting recipient's first, else a failed one's). */
  lastReply: { rcpt: string; code: number | null; enhanced: string | null; text: string } | null;
}

export interface QueuePage {
  messages: QueuedMessageSummary[];
  /** Cursor for the next (older) page; null on the last page. */
  next: string | null;
}

export interface RecipientRow {
  id: string;
  queue_id: string;
  blob_id: string;
  mail_from: string;
  auth_user: string | null;
  rcpt: string;
  domain: string;
  status: OutboundStatusName;
  attempts: number;
  next_attempt_at: Date;
  last_code: number | null;
  last_enhanced: string | null;
  last_reply: string | null;
  in_flight: boolean;
  bounce_requested_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
}

/** The columns RecipientRow reads, from outbound_queue aliased `q`. */
export const RECIPIENT_COLUMNS = Prisma.sql`q.id::text AS id, q.queue_id, q.blob_id::text AS blob_id, q.mail_from, q.auth_user,
  q.rcpt, q.domain, q.status::text AS status, q.attempts, q.next_attempt_at, q.last_code, q.last_enhanced, q.last_reply,
  coalesce(q.lease_until > now(), false) AS in_flight, q.bounce_requested_at, q.finished_at, q.created_at`;

export const WAITING: readonly OutboundStatusName[] = ['QUEUED', 'DEFERRED'];
export const isWaiting = (status: OutboundStatusName) => WAITING.includes(status);

export function toRecipient(r: RecipientRow): RecipientState {
  return {
    id: r.id,
    rcpt: r.rcpt,
    domain: r.domain,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastCode: r.last_code,
    lastEnhanced: r.last_enhanced,
    lastReply: r.last_reply,
    inFlight: r.in_flight,
    bounceRequestedAt: r.bounce_requested_at,
    finishedAt: r.finished_at,
  };
}

/** One message from its recipient rows (all of one queue id, at least one). */
export function summarize(rows: RecipientRow[]): QueuedMessageSummary {
  const recipients = rows.map(toRecipient);
  const waiting = recipients.filter((r) => isWaiting(r.status));
  const replied = [...waiting, ...recipients.filter((r) => r.status === 'BOUNCED')].find((r) => r.lastReply);
  const next = waiting.map((r) => r.nextAttemptAt.getTime());
  return {
    queueId: rows[0].queue_id,
    mailFrom: rows[0].mail_from,
    authUser: rows[0].auth_user,
    createdAt: rows.reduce((min, r) => (r.created_at < min ? r.created_at : min), rows[0].created_at),
    recipients,
    attempts: Math.max(...recipients.map((r) => r.attempts)),
    nextAttemptAt: next.length ? new Date(Math.min(...next)) : null,
    lastReply: replied ? { rcpt: replied.rcpt, code: replied.lastCode, enhanced: replied.lastEnhanced, text: replied.lastReply ?? '' } : null,
  };
}
