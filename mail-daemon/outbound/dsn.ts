// Delivery status notifications (RFC 3464) as the queue sends them: a bounce when a
// recipient failed, a warning while one is still being retried, and a success report
// when a client asked for NOTIFY=SUCCESS (RFC 3461 §4.1). The shape is RFC 6522's
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
// MIME boundary and, when the caller gives none, the Message-ID.

import { randomBytes, randomUUID } from 'node:crypto';
import { rfc5322Date } from '@/mail-daemon/smtp/received';

export type DsnKind = 'failure' | 'delay' | 'success';
export type DsnAction = 'failed' | 'delayed' | 'delivered';

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

/** RFC 5322 §2.1.1: the hard limit on a line, without its CRLF. */
const MAX_LINE = 998;
/** RFC 5322 §2.1.1: the line length to fold header fields at when we can. */
const FOLD_AT = 78;

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
  return r.action === 'delivered' ? '2.0.0' : r.action === 'delayed' ? '4.0.0' : '5.0.0';
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

// ---------------------------------------------------------------------------------------
// Encoding helpers

/** Nothing from a remote reply or an address may start a new header line or carry controls. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').replace(/ {2,}/g, ' ').trim();

/** The machine-readable part is 7-bit (RFC 3464 §2.1): non-ASCII becomes '?'. */
const ascii = (s: string) => oneLine(s).replace(/[^\x20-\x7e]/g, '?');

/** An address for header and field use: one line, no angle brackets. */
const bareAddress = (s: string) => oneLine(s).replace(/[<>\s]/g, '');

/** RFC 3461 §4: ENVID and ORCPT travel in xtext, "+" followed by two hex digits per special octet. */
function xtextDecode(s: string): string {
  return Buffer.from(
    s.replace(/\+([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

/**
 * RFC 3464 §2.3.2 address for Final-/Original-Recipient: "rfc822; addr", or for an
 * internationalised address RFC 6533 §3's "utf-8; " with \x{HHHH} escapes, which keeps
 * the field 7-bit.
 */
function typedAddress(address: string): string {
  const a = bareAddress(address);
  if (/^[\x20-\x7e]*$/.test(a)) return `rfc822; ${a}`;
  return `utf-8; ${[...a].map((c) => (c.charCodeAt(0) < 0x80 ? c : `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)).join('')}`;
}

/** ORCPT as received: "type;addr" in xtext, or a bare address (taken as rfc822). */
function originalRecipient(orcpt: string): string {
  const decoded = xtextDecode(oneLine(orcpt));
  const semi = decoded.indexOf(';');
  if (semi < 0) return typedAddress(decoded);
  const type = decoded.slice(0, semi).trim().toLowerCase();
  const addr = decoded.slice(semi + 1).trim();
  return type === 'rfc822' || type === 'utf-8' ? typedAddress(addr) : `${ascii(type)}; ${ascii(addr)}`;
}

/**
 * One header field, folded (RFC 5322 §2.2.3) at spaces before FOLD_AT where the value
 * allows; a run without spaces longer than a line can hold is cut, so no line ever
 * exceeds MAX_LINE. Returns the field with its trailing CRLF.
 */
export function foldField(name: string, value: string): string {
  const words = value.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = `${name}:`;
  for (let word of words) {
    while (word.length > MAX_LINE - 2) {
      lines.push(line);
      line = ' ' + word.slice(0, MAX_LINE - 2);
      word = word.slice(MAX_LINE - 2);
    }
    if (line.length + 1 + word.length > FOLD_AT && line.trim() !== `${name}:`) {
      lines.push(line);
      line = ' ' + word;
    } else {
      line += ' ' + word;
    }
  }
  lines.push(line);
  return lines.join('\r\n') + '\r\n';
}

/** RFC 2047 §5(3) for a display name: a quoted-string when ASCII, else a UTF-8 B encoded-word. */
function displayName(name: string): string {
  const n = oneLine(name);
  if (/^[\x20-\x7e]*$/.test(n)) return `"${n.replace(/["\\]/g, '\\$&')}"`;
  return `=?UTF-8?B?${Buffer.from(n, 'utf8').toString('base64')}?=`;
}

/**
 * RFC 2045 §6.7 quoted-printable of UTF-8 text: lines of at most 76 characters with soft
 * breaks, "=" and every non-printable or non-ASCII octet as =XX, and whitespace at the
 * end of a line encoded so that no transport can strip it.
 */
export function quotedPrintable(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      let out = '';
      let cur = '';
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && i < bytes.length - 1);
        const tok = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (cur.length + tok.length > 75) {
          out += cur + '=\r\n';
          cur = '';
        }
        cur += tok;
      }
      return out + cur;
    })
    .join('\r\n');
}

// ---------------------------------------------------------------------------------------
// The returned content

/** Bare CR or LF in the stored message become CRLF, so every line of the DSN ends in CRLF. */
function crlf(buf: Buffer): Buffer {
  return Buffer.from(buf.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** The header section, up to and including its last CRLF (without the empty line). */
function headerSection(msg: Buffer): Buffer {
  if (msg.subarray(0, 2).toString('latin1') === '\r\n') return Buffer.alloc(0);
  const end = msg.indexOf('\r\n\r\n');
  return end < 0 ? msg : msg.subarray(0, end + 2);
}

/** Cuts at the last line end within `max` bytes, so a huge header section stays bounded. */
function truncateAtLine(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  const cut = buf.lastIndexOf('\r\n', max - 2);
  return cut < 0 ? Buffer.alloc(0) : buf.subarray(0, cut + 2);
}

const longestLine = (buf: Buffer) => {
  let longest = 0;
  let start = 0;
  for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n', start)) {
    longest = Math.max(longest, i - start);
    start = i + 2;
  }
  return Math.max(longest, buf.length - start);
};

const hasEightBit = (buf: Buffer) => buf.some((b) => b > 0x7f);

interface Returned {
  type: 'message/rfc822' | 'text/rfc822-headers';
  content: Buffer;
  /** Why RET=FULL was not honoured, for the human-readable part. */
  reason: string | null;
}

function returnedContent(input: DsnInput): Returned {
  const max = input.maxReturnBytes ?? DEFAULT_MAX_RETURN_BYTES;
  let reason: string | null = null;
  if (input.ret === 'FULL') {
    const original = input.original.length <= max ? crlf(input.original) : null;
    if (!original || original.length > max) {
      reason = `The message was larger than ${max} bytes, so only its header is returned.`;
    } else if (longestLine(original) > MAX_LINE) {
      // message/rfc822 allows no transfer encoding (RFC 2046 §5.2.1), so a line longer than
      // SMTP carries (RFC 5321 §4.5.3.1.6) cannot be returned as it is.
      reason = `The message has lines longer than ${MAX_LINE} characters, so only its header is returned.`;
    } else {
      return { type: 'message/rfc822', content: original, reason: null };
    }
  }
  // Only the first max bytes can be returned, so only they are read (plus room for the
  // empty line that ends the header): a 50 MB original costs no more than a small one.
  const section = headerSection(crlf(input.original.subarray(0, max + 4)));
  let header = truncateAtLine(section, max);
  if (header.length < section.length) reason ??= `The header of the message was larger than ${max} bytes and is cut short.`;
  if (longestLine(header) > MAX_LINE) {
    // Lines SMTP cannot carry are left out (RFC 5321 §4.5.3.1.6); the rest stays as it was.
    header = Buffer.from(
      header
        .toString('latin1')
        .split('\r\n')
        .filter((l) => l.length <= MAX_LINE)
        .join('\r\n'),
      'latin1',
    );
  }
  return { type: 'text/rfc822-headers', content: header, reason };
}

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
    }
    if (r.action !== 'delivered') say(`Status ${status}${detail ? `: ${detail}` : ''}.`, '    ');
    if (r.action === 'delayed' && r.willRetryUntil) {
      say(`The mail system will stop trying at ${rfc5322Date(r.willRetryUntil)} and then return the message to you.`, '    ');
    }
    out.push('');
  };
  // Failures first: they need the sender's attention; the rest is context.
  for (const r of [...failed, ...delayed, ...delivered]) describe(r);

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
  const returned = returnedContent(input);
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
