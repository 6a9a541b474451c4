// The vacation auto-reply (RFC 3834) a mailbox owner sets in the self-service area. Run after a
// message was delivered to local mailboxes; never fails or delays that delivery.
//
// RFC 3834 §2: no reply to a null reverse-path, to mail marked Auto-Submitted (other than "no"),
// to mailing lists (List-Id and the other RFC 2369 List-* fields, Precedence: list/bulk/junk),
// to list and daemon addresses (owner-*, *-request, MAILER-DAEMON), nor when the mailbox (or an
// alias of it) is not named in To/Cc (it came by Bcc or a list), nor to mail filed as junk; one
// reply per sender per interval (state in vacation_replies, claimed in the reply's transaction).
// §3.1.7: the reply carries Auto-Submitted: auto-replied; §3.3: it goes out with a null
// reverse-path so nothing answers it, through the outbound queue (or into a local sender's INBOX),
// DKIM-signed with the mailbox's domain key when it has one.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { parseAddressList, type ParsedHeader } from '@/lib/mime';
import { enqueue } from '../outbound/pg-queue';
import { deliver } from '../store';

export interface VacationInput {
  queueId: string;
  mailFrom: string;
  mailboxIds: string[];
  header: ParsedHeader;
  /** Where the checks on arrival filed the message; junk gets no reply. */
  disposition: 'inbox' | 'junk';
}

/** Where the reply to `address` goes: local mailbox ids, 'remote' (the queue), or null (nowhere). */
export type ReplyRoute = (address: string) => Promise<string[] | 'remote' | null>;

/** DKIM-signs a reply with the replying mailbox's domain key (unchanged when it has none). */
export type ReplySigner = (raw: Buffer, domainId: string) => Promise<Buffer>;

interface VacationRow {
  mailbox_id: string;
  address: string;
  domain_id: string;
  subject: string;
  body: string;
  interval_days: number;
}

const LIST_FIELDS = ['list-id', 'list-help', 'list-unsubscribe', 'list-subscribe', 'list-post', 'list-owner', 'list-archive'];

/** RFC 3834 §2 reasons not to answer this message at all (the same for every recipient). */
export function refuseReply(mailFrom: string, header: ParsedHeader): string | null {
  if (!mailFrom) return 'null reverse-path';
  const field = (key: string) => header.fields.find((f) => f.key === key)?.value.trim().toLowerCase() ?? null;
  const auto = field('auto-submitted');
  if (auto !== null && auto.split(';')[0].trim() !== 'no') return 'auto-submitted';
  if (/^(bulk|list|junk)$/.test(field('precedence') ?? '')) return 'precedence';
  if (header.fields.some((f) => LIST_FIELDS.includes(f.key))) return 'mailing list';
  const local = mailFrom.slice(0, mailFrom.lastIndexOf('@')).toLowerCase();
  if (local === 'mailer-daemon' || local.startsWith('owner-') || local.endsWith('-request')) return 'list or daemon address';
  return null;
}

function namedRecipients(header: ParsedHeader): Set<string> {
  const out = new Set<string>();
  for (const f of header.fields) {
    if (f.key !== 'to' && f.key !== 'cc') continue;
    for (const a of parseAddressList(f.value) ?? []) {
      if (a.mailbox && a.host) out.add(`${a.mailbox}@${a.host}`.toLowerCase());
    }
  }
  return out;
}

/** RFC 2047 encoded-word for a subject that is not plain ASCII. */
function encodeSubject(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

export function composeReply(input: { from: string; to: string; subject: string; body: string; inReplyTo: string | null; date?: Date }): Buffer {
  const domain = input.from.slice(input.from.lastIndexOf('@') + 1);
  const lines = [
    `From: <${input.from}>`,
    `To: <${input.to}>`,
    `Subject: ${encodeSubject(input.subject)}`,
    `Date: ${(input.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`, `References: ${input.inReplyTo}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  const body = Buffer.from(input.body.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8');
}

class AlreadyAnswered extends Error {}

/** Sends the due auto-replies for one delivered message; returns the mailbox ids that replied. */
export async function sendVacationReplies(pool: pg.Pool, input: VacationInput, route: ReplyRoute, sign: ReplySigner = async (raw) => raw): Promise<string[]> {
  if (!input.mailboxIds.length || input.disposition === 'junk' || refuseReply(input.mailFrom, input.header)) return [];
  const { rows } = await pool.query<VacationRow>(
    `SELECT v.mailbox_id, m.address, m.domain_id, v.subject, v.body, v.interval_days
       FROM vacation_settings v JOIN mailboxes m ON m.id = v.mailbox_id
      WHERE v.enabled AND v.mailbox_id = ANY($1::uuid[]) AND m.enabled`,
    [input.mailboxIds],
  );
  if (!rows.length) return [];
  const sender = input.mailFrom.toLowerCase();
  const named = namedRecipients(input.header);
  const messageId = input.header.fields.find((f) => f.key === 'message-id')?.value.trim() || null;
  const subject = input.header.fields.find((f) => f.key === 'subject')?.value.trim();
  const replied: string[] = [];
  for (const v of rows) {
    if (sender === v.address) continue;
    if (!(await namesMailbox(pool, named, v.address))) continue;
    const target = await route(sender);
    if (!target) continue;
    const raw = await sign(composeReply({ from: v.address, to: sender, subject: v.subject || `Auto: ${subject ?? ''}`, body: v.body, inReplyTo: messageId }), v.domain_id);
    try {
      await deliver(pool, { raw, recipients: target === 'remote' ? [] : target.map((mailboxId) => ({ mailboxId })) }, async (tx, stored) => {
        // Claimed in this transaction: two deliveries at once still answer a sender once per interval.
        const claim = await tx.query(
          `INSERT INTO vacation_replies (mailbox_id, sender, sent_at) VALUES ($1, $2, now())
           ON CONFLICT (mailbox_id, sender) DO UPDATE SET sent_at = now()
             WHERE vacation_replies.sent_at < now() - make_interval(days => $3)
           RETURNING sent_at`,
          [v.mailbox_id, sender, v.interval_days],
        );
        if (!claim.rowCount) throw new AlreadyAnswered();
        if (target === 'remote') {
          await enqueue(tx, { queueId: `${input.queueId}.vacation`, blobId: stored.blobId, mailFrom: '', authUser: null, recipients: [{ address: sender }] });
        }
      });
      replied.push(v.mailbox_id);
    } catch (err) {
      if (!(err instanceof AlreadyAnswered)) throw err;
    }
  }
  return replied;
}

/** RFC 3834 §2: the mailbox's address, or an alias delivering to it, is in To or Cc. */
async function namesMailbox(pool: pg.Pool, named: Set<string>, address: string): Promise<boolean> {
  if (named.has(address)) return true;
  if (!named.size) return false;
  const { rowCount } = await pool.query(`SELECT 1 FROM aliases WHERE enabled AND $1 = ANY(destinations) AND source = ANY($2::text[]) LIMIT 1`, [
    address,
    [...named],
  ]);
  return (rowCount ?? 0) > 0;
}
