// The reply side of an SMTP connection (RFC 5321 §4.2): bytes from the server framed
// into lines, lines gathered into replies, and each reply handed to the command waiting
// for it, in order, within that command's timeout. Every line and every reply is bounded.

/** RFC 5321 §4.5.3.1.5 says 512 octets per reply line; we read up to this much and cut the rest. */
export const MAX_REPLY_LINE = 4096;
/** Lines in one multi-line reply before we call the peer broken. */
export const MAX_REPLY_LINES = 200;

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code from the first line (RFC 2034), when present. */
  enhanced: string | null;
  /** The text of all lines, joined by a space (enhanced code kept). */
  text: string;
  lines: string[];
}

export type SmtpErrorKind = 'connect' | 'timeout' | 'closed' | 'protocol' | 'tls';

export class SmtpError extends Error {
  constructor(
    readonly kind: SmtpErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

interface Waiter {
  resolve: (r: SmtpReply) => void;
  reject: (e: SmtpError) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/**
 * Replies in the order they arrive, matched to waiters in the order they asked. The
 * first failure (broken framing, a timeout, the connection lost) is kept: it rejects
 * every waiter, now and later, and `onFail` ends the connection.
 */
export class ReplyReader {
  failure: SmtpError | null = null;
  private buffer = '';
  private discarding = false;
  private lines: string[] = [];
  private replies: SmtpReply[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly onFail: () => void) {}

  /** Anything read that no command has taken yet: part of a line, of a reply, or whole replies. */
  get pending(): boolean {
    return this.buffer.length > 0 || this.lines.length > 0 || this.replies.length > 0;
  }

  /** A promise for the next reply; queued replies (a 421 sent unasked) are handed out first. */
  next(timeoutMs: number): Promise<SmtpReply> {
    if (this.replies.length) return Promise.resolve(this.replies.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject, timeoutMs };
      this.waiters.push(w);
      if (this.waiters.length === 1) this.arm(w);
    });
  }

  feed(chunk: Buffer): void {
    // latin1 keeps every byte one char, so a broken UTF-8 sequence cannot hurt the framing.
    let text = chunk.toString('latin1');
    while (text.length) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (!this.discarding) {
          this.buffer += text;
          if (this.buffer.length > MAX_REPLY_LINE) {
            // An overlong line: keep its start, drop the rest until its end.
            this.buffer = this.buffer.slice(0, MAX_REPLY_LINE);
            this.discarding = true;
          }
        }
        return;
      }
      const part = text.slice(0, nl);
      text = text.slice(nl + 1);
      let line = this.discarding ? this.buffer : (this.buffer + part).slice(0, MAX_REPLY_LINE);
      this.buffer = '';
      this.discarding = false;
      line = line.replace(/\r$/, '');
      if (!this.line(line)) return;
    }
  }

  fail(err: SmtpError): void {
    if (!this.failure) this.failure = err;
    this.onFail();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }

  /** The timeout runs for the first waiter only: a command's clock starts when the replies before it are in. */
  private arm(w: Waiter): void {
    w.timer = setTimeout(() => this.fail(new SmtpError('timeout', `no reply within ${w.timeoutMs} ms`)), w.timeoutMs);
  }

  /** One reply line (RFC 5321 §4.2: "code SP text" ends a reply, "code - text" continues it). */
  private line(line: string): boolean {
    const m = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/.exec(line);
    if (!m) {
      this.fail(new SmtpError('protocol', `not an SMTP reply: ${printable(line).slice(0, 100)}`));
      return false;
    }
    this.lines.push(m[3] ?? '');
    if (this.lines.length > MAX_REPLY_LINES) {
      this.fail(new SmtpError('protocol', `reply longer than ${MAX_REPLY_LINES} lines`));
      return false;
    }
    if (m[2] === '-') return true;
    const code = Number(m[1]);
    const lines = this.lines.map(printable);
    this.lines = [];
    const em = ENHANCED.exec(lines[0]);
    const enhanced = em && em[1] === m[1][0] ? `${em[1]}.${em[2]}.${em[3]}` : null;
    const reply: SmtpReply = { code, enhanced, text: lines.join(' ').trim(), lines };
    const w = this.waiters.shift();
    if (!w) {
      this.replies.push(reply);
      return true;
    }
    clearTimeout(w.timer);
    if (this.waiters.length) this.arm(this.waiters[0]);
    w.resolve(reply);
    return true;
  }
}
