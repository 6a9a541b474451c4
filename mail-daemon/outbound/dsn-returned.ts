import { MAX_LINE } from './dsn-encoding';

// What of the original message a DSN returns (RFC 3461 §4.3 RET; the optional third
// part of RFC 6522 §3): the whole message as message/rfc822, or its header as
// text/rfc822-headers (RFC 6522 §4) when the sender asked for headers only, or the
// message is too big or has lines SMTP cannot carry. At most max bytes of it are read.

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

export interface Returned {
  type: 'message/rfc822' | 'text/rfc822-headers';
  content: Buffer;
  /** Why RET=FULL was not honoured, for the human-readable part. */
  reason: string | null;
}

/** The original (as stored) to return under RET, within max bytes. */
export function returnedContent(stored: Buffer, ret: 'FULL' | 'HDRS', max: number): Returned {
  let reason: string | null = null;
  if (ret === 'FULL') {
    const original = stored.length <= max ? crlf(stored) : null;
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
  const section = headerSection(crlf(stored.subarray(0, max + 4)));
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
