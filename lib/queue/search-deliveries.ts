import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { Prisma } from '@/lib/generated/prisma/client';
import { decodeCursor, encodeCursor } from './cursor';
import { and, mailScope } from './scope';
import { likeContains, likeExact, parseInput, searchDeliveriesSchema, type OutboundStatusName, type SearchDeliveriesInput } from './validations';

interface EventBase {
  id: string;
  at: Date;
  queueId: string;
  /** "" for the null reverse-path. */
  mailFrom: string;
}

/** Our SMTP server accepted a message (smtp_receipts). */
export interface ReceivedEvent extends EventBase {
  kind: 'received';
  recipients: string[];
  listener: string;
  clientIp: string;
  clientName: string | null;
  helo: string;
  authUser: string | null;
  size: number;
  tlsVersion: string | null;
  tlsCipher: string | null;
}

/** One delivery attempt of one recipient to a remote server (outbound_attempts). */
export interface AttemptEvent extends EventBase {
  kind: 'attempt';
  rcpt: string;
  /** The recipient's queue row, and its state now. */
  recipientId: string;
  status: OutboundStatusName;
  /** "sent" | "deferred" | "failed" */
  outcome: string;
  code: number | null;
  enhanced: string;
  reply: string;
  mxHost: string | null;
  ip: string | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  tlsVerification: string;
  durationMs: number;
}

export type DeliveryEvent = ReceivedEvent | AttemptEvent;

export interface DeliveryPage {
  events: DeliveryEvent[];
  next: string | null;
}

/** local@domain.tld: searched as that one recipient rather than as a fragment. */
const WHOLE_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** @domain.tld: every recipient at that domain. */
const RECIPIENT_DOMAIN = /^@[^@\s]+\.[^@\s]+$/;

/** Newest first; ties by id (lower-case UUID text sorts like the uuid column). */
function newestFirst(a: DeliveryEvent, b: DeliveryEvent): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * The message trace: what our server received (smtp_receipts) and every delivery attempt
 * (outbound_attempts with its queue row) in one list, newest first, keyset-paged on
 * (time, id). Each source is read newest first from its time index (received_at,
 * started_at) with the same keyset and limit, and the two are merged: the same result
 * as a UNION ALL … ORDER BY … LIMIT, without OFFSET. A queue id also finds its
 * delivery status notices ("<id>.dsn"); a client IP also finds the attempts of the
 * messages that client sent. A domain admin sees mail whose sender's or authenticated
 * user's domain is one of theirs.
 */
export async function searchDeliveries(db: Db, actor: Actor, input: SearchDeliveriesInput = {}): Promise<DeliveryPage> {
  const f = parseInput(searchDeliveriesSchema, input);
  const limit = f.limit ?? 50;
  const after = decodeCursor(f.cursor);
  const queueIds = f.queueId ? [f.queueId, `${f.queueId}.dsn`] : undefined;

  const received: Prisma.Sql[] = [await mailScope(db, actor, Prisma.raw('r.mail_from'), Prisma.raw('r.auth_user'))];
  const sent: Prisma.Sql[] = [await mailScope(db, actor, Prisma.raw('q.mail_from'), Prisma.raw('q.auth_user'))];
  // A whole address is that one sender or recipient, as given or in lower case: btree and GIN
  // lookups at any size (a trigram search for it reads the index entries of trigrams every
  // address shares). Part of an address is a contains search through the trigram indexes.
  if (f.sender && WHOLE_ADDRESS.test(f.sender)) {
    const forms = [f.sender, f.sender.toLowerCase()];
    received.push(Prisma.sql`r.mail_from = ANY(${forms}::text[])`);
    sent.push(Prisma.sql`q.mail_from = ANY(${forms}::text[])`);
  } else if (f.sender) {
    received.push(Prisma.sql`r.mail_from ILIKE ${likeContains(f.sender)}`);
    sent.push(Prisma.sql`q.mail_from ILIKE ${likeContains(f.sender)}`);
  }
  if (f.recipient && WHOLE_ADDRESS.test(f.recipient)) {
    const forms = [f.recipient, f.recipient.toLowerCase()];
    received.push(Prisma.sql`r.rcpts && ${forms}::text[]`);
    sent.push(Prisma.sql`a.rcpt = ANY(${forms}::text[])`);
  } else if (f.recipient && RECIPIENT_DOMAIN.test(f.recipient)) {
    // "@example.com": every recipient at that domain; the attempts' (domain, started_at) index.
    const domain = f.recipient.slice(1).toLowerCase();
    received.push(Prisma.sql`EXISTS (SELECT 1 FROM unnest(r.rcpts) AS x(rcpt) WHERE x.rcpt ILIKE ${'%@' + likeExact(domain)})`);
    sent.push(Prisma.sql`a.domain = ${domain}`);
  } else if (f.recipient) {
    // Part of an address (a domain, a name): a contains search, walked newest first.
    received.push(Prisma.sql`EXISTS (SELECT 1 FROM unnest(r.rcpts) AS x(rcpt) WHERE x.rcpt ILIKE ${likeContains(f.recipient)})`);
    sent.push(Prisma.sql`a.rcpt ILIKE ${likeContains(f.recipient)}`);
  }
  if (f.messageId) {
    const messageId = f.messageId.replace(/^<(.*)>$/, '$1');
    received.push(Prisma.sql`r.message_id = ${messageId}`);
    sent.push(Prisma.sql`q.queue_id IN (SELECT m.queue_id FROM smtp_receipts m WHERE m.message_id = ${messageId})`);
  }
  if (queueIds) {
    received.push(Prisma.sql`r.queue_id = ANY(${queueIds}::text[])`);
    sent.push(Prisma.sql`a.queue_id = ANY(${queueIds}::text[])`);
  }
  if (f.clientIp) {
    received.push(Prisma.sql`r.client_ip = ${f.clientIp}`);
    sent.push(Prisma.sql`EXISTS (SELECT 1 FROM smtp_receipts r WHERE r.queue_id = q.queue_id AND r.client_ip = ${f.clientIp})`);
  }
  for (const [list, col] of [[received, Prisma.raw('r.received_at')], [sent, Prisma.raw('a.started_at')]] as const) {
    const id = list === received ? Prisma.raw('r.id') : Prisma.raw('a.id');
    if (f.from) list.push(Prisma.sql`${col} >= ${f.from}`);
    if (f.to) list.push(Prisma.sql`${col} < ${f.to}`);
    if (after) {
      // Written so the time index serves the first half; the id breaks ties within one millisecond.
      list.push(Prisma.sql`${col} <= ${after.at} AND (${col} < ${after.at} OR ${id} < ${after.key}::uuid)`);
    }
  }

  const [receipts, attempts] = await Promise.all([
    db.$queryRaw<
      {
        id: string; at: Date; queue_id: string; mail_from: string; rcpts: string[]; listener: string; client_ip: string;
        client_name: string | null; helo: string; auth_user: string | null; size: number; tls_version: string | null; tls_cipher: string | null;
      }[]
    >`
      SELECT r.id::text AS id, r.received_at AS at, r.queue_id, r.mail_from, r.rcpts, r.listener, r.client_ip, r.client_name,
             r.helo, r.auth_user, r.size, r.tls_version, r.tls_cipher
        FROM smtp_receipts r
       WHERE ${and(received)}
       ORDER BY r.received_at DESC, r.id DESC
       LIMIT ${limit + 1}`,
    db.$queryRaw<
      {
        id: string; at: Date; queue_id: string; mail_from: string; rcpt: string; recipient_id: string; status: OutboundStatusName;
        outcome: string; code: number | null; enhanced: string; reply: string; mx_host: string | null; ip: string | null;
        tls_version: string | null; tls_cipher: string | null; tls_verification: string; duration_ms: number;
      }[]
    >`
      SELECT a.id::text AS id, a.started_at AS at, q.queue_id, q.mail_from, a.rcpt, q.id::text AS recipient_id, q.status::text AS status,
             a.outcome, a.code, a.enhanced, a.reply, a.mx_host, a.ip, a.tls_version, a.tls_cipher, a.tls_verification, a.duration_ms
        FROM outbound_attempts a JOIN outbound_queue q ON q.id = a.outbound_id
       WHERE ${and(sent)}
       ORDER BY a.started_at DESC, a.id DESC
       LIMIT ${limit + 1}`,
  ]);

  const events: DeliveryEvent[] = [
    ...receipts.map(
      (r): ReceivedEvent => ({
        kind: 'received', id: r.id, at: r.at, queueId: r.queue_id, mailFrom: r.mail_from, recipients: r.rcpts, listener: r.listener,
        clientIp: r.client_ip, clientName: r.client_name, helo: r.helo, authUser: r.auth_user, size: r.size,
        tlsVersion: r.tls_version, tlsCipher: r.tls_cipher,
      }),
    ),
    ...attempts.map(
      (a): AttemptEvent => ({
        kind: 'attempt', id: a.id, at: a.at, queueId: a.queue_id, mailFrom: a.mail_from, rcpt: a.rcpt, recipientId: a.recipient_id,
        status: a.status, outcome: a.outcome, code: a.code, enhanced: a.enhanced, reply: a.reply, mxHost: a.mx_host, ip: a.ip,
        tlsVersion: a.tls_version, tlsCipher: a.tls_cipher, tlsVerification: a.tls_verification, durationMs: a.duration_ms,
      }),
    ),
  ].sort(newestFirst);
  const page = events.slice(0, limit);
  const last = page[page.length - 1];
  return { events: page, next: events.length > limit ? encodeCursor(last.at, last.id) : null };
}
