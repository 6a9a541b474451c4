// Delivery status notifications (RFC 3464) as the queue sends them: a bounce when a
// recipient failed, a warning while one is still being retried, and a success report
// when a client asked for NOTIFY=SUCCESS (RFC 3461 §4.1): "delivered" at final delivery,
// "relayed" when the next hop does not offer DSN and so will never report (RFC 3461
// §5.2.2, §6.2). The shape is RFC 6522's
// multipart/report:
//
//   multipart/report; report-type=delivery-status
//     text/plain                 what happened, in words, for the person who sent it
//     message/delivery-status    the same facts as fields, for software
//     message/rfc822             the original (RET=FULL), or
//     text/rfc822-headers        only its header (RET=HDRS, or the original is too big)
//
// The DSN itself must be sent with the null reverse-path, MAIL FROM:<> (RFC 5321
// §4.5.5, RFC 3461 §6.2): a notification must never cause another notification. This
// module only builds the bytes; the caller owns the envelope.
//
// Pure: no I/O and no clock (the caller passes every date). The only randomness is the
// MIME boundary and, when the caller gives none, the Message-ID. Field and MIME encoding
// is dsn-encoding.ts; what of the original comes back is dsn-returned.ts.

import { randomBytes, randomUUID } from 'node:crypto';
import { rfc5322Date } from '@/mail-daemon/smtp/received';
import { ascii, bareAddress, displayName, foldField, oneLine, originalRecipient, quotedPrintable, typedAddress, xtextDecode } from './dsn-encoding';
import { returnedContent, type Returned } from './dsn-returned';

export type DsnKind = 'failure' | 'delay' | 'success';
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

export interface DsnRecipient {
  /** The recipient as we tried it (RFC 3464 §2.3.2 Final-Recipient). */
  address: string;
  /** RFC 3461 ORCPT as received, "rfc822;bob@example.org" (xtext-encoded), when the client gave one. */
  orcpt?: string | null;
  action: DsnAction;
  /** RFC 3463 enhanced status code, e.g. "5.1.1". */
  status: string;
  /** The remote server's reply, when there was one: written as "smtp; 550 5.1.1 …". */
  diagnostic?: { code: number; text: string } | null;
  /**
   * Our own words when no reply was received (DNS, connection, TLS failure), for the
   * human-readable part only: Diagnostic-Code is reserved for the remote MTA's reply.
   */
  explanation?: string | null;
  /** The host that gave the reply (RFC 3464 §2.3.5). */
  remoteMta?: string | null;
  lastAttempt?: Date | null;
  /** For delayed recipients: when we give up (RFC 3464 §2.3.9). */
  willRetryUntil?: Date | null;
}

export interface DsnInput {
  kind: DsnKind;
  /** Our host name, for Reporting-MTA. */
  reportingMta: string;
  /** The DSN's From: an address, shown as "Mail Delivery System", or a name and an address. */
  from: string | { name: string; address: string };
  /** The original envelope sender; the DSN goes to it. Never '' (no DSN for a DSN). */
  to: string;
  /** When we accepted the original message. */
  arrivalDate: Date;
  /** RFC 3461 ENVID as received (xtext-encoded), echoed as Original-Envelope-Id. */
  envid?: string | null;
  recipients: DsnRecipient[];
  /** The original message, CRLF line ends. */
  original: Buffer;
  /** RFC 3461 RET: FULL returns the whole message, HDRS only its header. */
  ret: 'FULL' | 'HDRS';
  /** A larger original is returned as its header only, even with RET=FULL. Default 1 MiB. */
  maxReturnBytes?: number;
  /** The DSN's Message-ID (with or without <>), or a function making one; default a UUID at reportingMta. */
  messageId?: string | (() => string);
  /** The DSN's Date. */
  date: Date;
}

export const DEFAULT_MAX_RETURN_BYTES = 1024 * 1024;

const SUBJECT: Record<DsnKind, string> = {
  failure: 'Undelivered Mail Returned to Sender',
  delay: 'Delayed Mail (still being retried)',
  success: 'Successful Mail Delivery Report',
};

// ---------------------------------------------------------------------------------------
// Status codes

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The RFC 3463 status for an SMTP reply: the enhanced code the server put at the start of
 * its text (RFC 2034 §4, "250 2.1.5 OK"; the basic code may be repeated in front of it),
 * or, when it gave none or one whose class contradicts the reply code, X.0.0 of the
 * reply's class (RFC 3463 §3.1 "other undefined status").
 */
export function statusFromReply(code: number, text: string): string {
  if (!Number.isInteger(code) || code < 200 || code > 599 || Math.floor(code / 100) === 3) {
    throw new RangeError(`not a final SMTP reply code: ${code}`);
  }
  const cls = String(Math.floor(code / 100));
  const m = /^\s*(?:\d{3}[ -])?([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/.exec(text);
  // RFC 2034 §4: the enhanced code must agree with the primary reply code (5xx with 5.X.X).
  if (m && m[1] === cls) return `${m[1]}.${Number(m[2])}.${Number(m[3])}`;
  return `${cls}.0.0`;
}

/** A valid status, or the undefined status of the action's class (RFC 3464 §2.3.4 requires one). */
function statusFor(r: DsnRecipient): string {
  if (ENHANCED.test(r.status)) return r.status;
  return r.action === 'delivered' || r.action === 'relayed' ? '2.0.0' : r.action === 'delayed' ? '4.0.0' : '5.0.0';
}

// RFC 3463 §3: the subject.detail codes a sender is most likely to meet, in words.
const DETAIL: Record<string, string> = {
  '1.1': 'the mailbox does not exist',
  '1.2': 'the destination domain does not exist or does not accept mail',
  '1.3': 'the recipient address is not valid',
  '1.10': 'the recipient domain accepts no mail (null MX)',
  '2.1': 'the mailbox is disabled',
  '2.2': 'the mailbox is full',
  '2.3': 'the message is larger than the mailbox accepts',
  '3.4': 'the message is larger than the receiving system accepts',
  '4.1': 'the receiving server did not answer',
  '4.2': 'the connection to the receiving server was lost',
  '4.3': 'the receiving server could not be found (DNS failure)',
  '4.4': 'no way to reach the recipient domain was found',
  '4.7': 'the message was too old to deliver any more',
  '7.1': 'the receiving system refused the message by policy',
  '7.10': 'the receiving system requires an encrypted connection',
  '7.26': 'the message failed the authentication checks of the receiving system',
};

const hasEightBit = (buf: Buffer) => buf.some((b) => b > 0x7f);

// ---------------------------------------------------------------------------------------
// The parts

/** Word-wraps a line for reading, keeping its indentation on the continuation lines. */
function wrap(line: string, width: number): string[] {
  const indent = /^ */.exec(line)![0];
  const words = line.slice(indent.length).split(' ');
  const lines: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.length > indent.length && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = indent + '  ' + w;
    } else {
      cur += (cur.length > indent.length ? ' ' : '') + w;
    }
  }
  lines.push(cur);
  return lines;
}

function humanText(input: DsnInput, returned: Returned): string {
  const out: string[] = [];
  // Our prose is wrapped for reading; the remote server's reply is quoted verbatim, on
  // its own line, because the sender may need to pass it on exactly as it was given.
  const say = (text: string, indent = '') => out.push(...wrap(indent + text, 72));
  const failed = input.recipients.filter((r) => r.action === 'failed');
  const delayed = input.recipients.filter((r) => r.action === 'delayed');
  const delivered = input.recipients.filter((r) => r.action === 'delivered');
  const relayed = input.recipients.filter((r) => r.action === 'relayed');

  say(`This is the mail system at host ${oneLine(input.reportingMta)}.`);
  out.push('');
  say(`Your message, received ${rfc5322Date(input.arrivalDate)}:`);
  out.push('');
  // One sentence per outcome present, so a report mixing failed and delayed recipients
  // says plainly which are given up on and which are still being tried.
  const count = (n: number) => (n === 1 ? '1 recipient' : `${n} recipients`);
  if (failed.length) say(`- could not be delivered to ${count(failed.length)}; the mail system has given up on ${failed.length === 1 ? 'it' : 'them'}.`);
  if (delayed.length) say(`- has not yet been delivered to ${count(delayed.length)}; the mail system will keep trying, you do not need to send it again.`);
  if (delivered.length) say(`- was delivered to ${count(delivered.length)}${input.kind === 'success' ? ', as you asked to be told' : ''}.`);
  // RFC 3464 §2.3.3: "relayed" means handed on to a system that will send no further notice.
  if (relayed.length) {
    say(`- was passed on for ${count(relayed.length)} to a mail system that does not report delivery; you will get no further notice about ${relayed.length === 1 ? 'it' : 'them'}.`);
  }
  out.push('');

  const describe = (r: DsnRecipient) => {
    out.push(`<${oneLine(r.address)}>:`);
    const status = statusFor(r);
    const detail = DETAIL[status.slice(2)];
    const remote = r.remoteMta ? oneLine(r.remoteMta) : null;
    if (r.diagnostic) {
      say(`${remote ? `The server ${remote}` : 'The receiving server'} answered:`, '    ');
      out.push(`      ${r.diagnostic.code} ${oneLine(r.diagnostic.text)}`);
    } else if (r.explanation) {
      say(oneLine(r.explanation), '    ');
    } else if (r.action === 'delivered') {
      say(remote ? `Delivered to ${remote}.` : 'Delivered.', '    ');
    } else if (r.action === 'relayed') {
      say(remote ? `Relayed to ${remote}.` : 'Relayed.', '    ');
    }
    if (r.action !== 'delivered' && r.action !== 'relayed') say(`Status ${status}${detail ? `: ${detail}` : ''}.`, '    ');
    if (r.action === 'delayed' && r.willRetryUntil) {
      say(`The mail system will stop trying at ${rfc5322Date(r.willRetryUntil)} and then return the message to you.`, '    ');
    }
    out.push('');
  };
  // Failures first: they need the sender's attention; the rest is context.
  for (const r of [...failed, ...delayed, ...delivered, ...relayed]) describe(r);

  if (returned.reason) {
    say(returned.reason);
    out.push('');
  }
  say(returned.type === 'message/rfc822' ? 'Your message is attached below.' : 'The header of your message is attached below.');
  return out.join('\r\n');
}

/** RFC 3464 §2.2 per-message fields, then §2.3 per-recipient fields, each block preceded by a blank line. */
function deliveryStatus(input: DsnInput): string {
  let s = foldField('Reporting-MTA', `dns; ${ascii(input.reportingMta)}`);
  if (input.envid) s += foldField('Original-Envelope-Id', ascii(xtextDecode(input.envid)));
  s += foldField('Arrival-Date', rfc5322Date(input.arrivalDate));
  for (const r of input.recipients) {
    s += '\r\n';
    if (r.orcpt) s += foldField('Original-Recipient', originalRecipient(r.orcpt));
    s += foldField('Final-Recipient', typedAddress(r.address));
    s += foldField('Action', r.action);
    s += foldField('Status', statusFor(r));
    if (r.remoteMta) s += foldField('Remote-MTA', `dns; ${ascii(r.remoteMta)}`);
    if (r.diagnostic) s += foldField('Diagnostic-Code', `smtp; ${r.diagnostic.code} ${ascii(r.diagnostic.text)}`);
    if (r.lastAttempt) s += foldField('Last-Attempt-Date', rfc5322Date(r.lastAttempt));
    if (r.action === 'delayed' && r.willRetryUntil) s += foldField('Will-Retry-Until', rfc5322Date(r.willRetryUntil));
  }
  return s;
}

function messageIdOf(input: DsnInput): string {
  const id = typeof input.messageId === 'function' ? input.messageId() : (input.messageId ?? `${randomUUID()}@${input.reportingMta}`);
  const bare = bareAddress(id);
  return `<${bare.replace(/^<|>$/g, '')}>`;
}

/** A boundary that occurs nowhere in the content; "=_" can never appear in quoted-printable. */
function boundaryFor(content: Buffer): string {
  for (;;) {
    const b = `=_postern_dsn_${randomBytes(12).toString('hex')}`;
    if (!content.includes(b)) return b;
  }
}

/** The complete DSN message, CRLF line ends, ready for DATA with MAIL FROM:<>. */
export function composeDsn(input: DsnInput): Buffer {
  const to = bareAddress(input.to);
  // RFC 3461 §6.2 / RFC 5321 §4.5.5: a message with the null reverse-path gets no DSN.
  if (!to) throw new Error('no DSN for the null reverse-path');
  if (input.recipients.length === 0) throw new Error('a DSN reports at least one recipient');

  const from = typeof input.from === 'string' ? { name: 'Mail Delivery System', address: input.from } : input.from;
  const returned = returnedContent(input.original, input.ret, input.maxReturnBytes ?? DEFAULT_MAX_RETURN_BYTES);
  const boundary = boundaryFor(returned.content);
  const eightBit = hasEightBit(returned.content);

  const head =
    foldField('From', `${displayName(from.name)} <${bareAddress(from.address)}>`) +
    foldField('To', `<${to}>`) +
    foldField('Subject', SUBJECT[input.kind]) +
    foldField('Date', rfc5322Date(input.date)) +
    foldField('Message-ID', messageIdOf(input)) +
    foldField('MIME-Version', '1.0') +
    foldField('Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`) +
    // RFC 3834 §5: marks the message as an automatic response, so responders stay silent.
    foldField('Auto-Submitted', 'auto-replied');

  const parts =
    head +
    '\r\n' +
    'This is a MIME-encapsulated message.\r\n' +
    `\r\n--${boundary}\r\n` +
    foldField('Content-Type', 'text/plain; charset=utf-8') +
    foldField('Content-Transfer-Encoding', 'quoted-printable') +
    foldField('Content-Description', 'Notification') +
    '\r\n' +
    quotedPrintable(humanText(input, returned)) +
    '\r\n' +
    `\r\n--${boundary}\r\n` +
    foldField('Content-Type', 'message/delivery-status') +
    foldField('Content-Description', 'Delivery report') +
    '\r\n' +
    deliveryStatus(input) +
    `\r\n--${boundary}\r\n` +
    foldField('Content-Type', returned.type) +
    // RFC 2046 §5.2.1: message/rfc822 takes 7bit or 8bit, never base64 or quoted-printable.
    (eightBit ? foldField('Content-Transfer-Encoding', '8bit') : '') +
    foldField('Content-Description', returned.type === 'message/rfc822' ? 'Undelivered message' : 'Message header') +
    '\r\n';

  // The CRLF before the closing delimiter belongs to the delimiter (RFC 2046 §5.1.1), so
  // the returned content comes back byte for byte, its own last CRLF included.
  return Buffer.concat([
    Buffer.from(parts, 'utf8'),
    returned.content,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
}
