// POP3 on the wire (RFC 1939 §3, RFC 2449 §4): input split into bounded lines, commands as a
// keyword and arguments, multi-line responses byte-stuffed and ended with ".", TOP's slice of a
// message, and the SASL PLAIN message (RFC 4616). No session state here.

/** What the line reader hands over: a command line, or the news that one was too long (and dropped). */
export type LineEvent = { line: string } | { tooLong: true };

/**
 * Splits input at LF (a CR before it is dropped). A line over `maxLine` octets, line end
 * included, is discarded up to its end and reported once, so one client cannot make us buffer
 * without bound; the next line starts clean.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private length = 0;
  private discarding = false;

  constructor(private readonly maxLine: number) {}

  /** Bytes of a line begun but not ended. */
  get pending(): number {
    return this.length;
  }

  /** Drops what is buffered (after STLS: nothing sent in cleartext may be read as if under TLS). */
  clear(): void {
    this.parts = [];
    this.length = 0;
    this.discarding = false;
  }

  push(chunk: Buffer): LineEvent[] {
    const out: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.discarding) {
        this.parts.push(chunk.subarray(start, end));
        this.length += end - start;
        // Octets so far (a CR included) and at least the LF to come.
        if (this.length + 1 > this.maxLine) {
          this.parts = [];
          this.length = 0;
          this.discarding = true;
          out.push({ tooLong: true });
        }
      }
      if (nl < 0) break;
      if (!this.discarding) {
        let line = Buffer.concat(this.parts).toString('latin1');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        out.push({ line });
      }
      this.parts = [];
      this.length = 0;
      this.discarding = false;
      start = nl + 1;
    }
    return out;
  }
}

/** RFC 1939 §3: a case-insensitive keyword, then arguments separated by single spaces. */
export function parseCommand(line: string): { keyword: string; args: string[] } {
  const [keyword, ...args] = line.split(' ');
  return { keyword: keyword.toUpperCase(), args };
}

/** A message number argument: 1 to 9 digits, no sign. */
export function messageNumber(arg: string | undefined): number | null {
  return arg !== undefined && /^[0-9]{1,9}$/.test(arg) ? Number(arg) : null;
}

const TERMINATOR = Buffer.from('.\r\n');

/** A multi-line response of short text lines (CAPA, LIST, UIDL): each line stuffed, then ".". */
export function multiline(first: Buffer, lines: string[]): Buffer {
  return Buffer.concat([first, ...lines.map((l) => Buffer.from(`${l.startsWith('.') ? '.' : ''}${l}\r\n`)), TERMINATOR]);
}

/**
 * Message octets as a multi-line response body (RFC 1939 §3): every line that begins with "."
 * gets one more, the last line is ended with CRLF if it was not, then the terminating ".".
 */
export function stuffed(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let start = 0;
  if (data.length && data[0] === 0x2e) out.push(Buffer.from('.'));
  for (;;) {
    const at = data.indexOf('\n.', start);
    if (at < 0) break;
    out.push(data.subarray(start, at + 1), Buffer.from('.'));
    start = at + 1;
  }
  out.push(data.subarray(start));
  if (data.length && data[data.length - 1] !== 0x0a) out.push(Buffer.from('\r\n'));
  out.push(TERMINATOR);
  return Buffer.concat(out);
}

/** TOP (RFC 1939 §7): the header, the blank line after it, and the first `lines` lines of the body. */
export function topOf(raw: Buffer, lines: number): Buffer {
  const blank = raw.indexOf('\r\n\r\n');
  if (blank < 0) return raw;
  let end = blank + 4;
  for (let n = 0; n < lines && end < raw.length; n++) {
    const nl = raw.indexOf('\n', end);
    end = nl < 0 ? raw.length : nl + 1;
  }
  return raw.subarray(0, end);
}

/** A base64 SASL response, strictly (RFC 4648 alphabet and padding); null when it is not one. */
export function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** RFC 4616: [authzid] NUL authcid NUL passwd, UTF-8. */
export function parsePlain(message: Buffer): { authzid: string; authcid: string; password: string } | null {
  const parts = message.toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1]) return null;
  return { authzid: parts[0], authcid: parts[1], password: parts[2] };
}
