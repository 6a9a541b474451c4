// A raw IMAP client for transcript tests: sends lines exactly as written and reads
// the server's responses as logical lines (a literal is kept inline as {n}\r\n<bytes>).
import { LineWire, openWireSocket, type WireOptions } from './line-wire';

export type Expect = string | RegExp;

export class WireClient extends LineWire {
  static async connect(port: number, options: WireOptions): Promise<WireClient> {
    return new WireClient(await openWireSocket(port, options));
  }

  /** A line ending in a literal's {n} goes on with the literal's bytes and the line after it. */
  protected cut(): void {
    let pos = 0;
    let current = '';
    for (;;) {
      const nl = this.buf.indexOf('\r\n', pos);
      if (nl < 0) break;
      const line = this.buf.toString('utf8', pos, nl);
      const m = /\{(\d+)\}$/.exec(line);
      if (m) {
        const n = Number(m[1]);
        if (this.buf.length < nl + 2 + n) break;
        current += line + '\r\n' + this.buf.toString('utf8', nl + 2, nl + 2 + n);
        pos = nl + 2 + n;
        continue;
      }
      this.lines.push(current + line);
      current = '';
      pos = nl + 2;
      this.buf = this.buf.subarray(pos);
      pos = 0;
    }
  }

  /** Lines until one starts with `tag ` (included). */
  async until(tag: string, ms = 10_000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line(ms);
      out.push(l);
      if (l.startsWith(tag + ' ')) return out;
    }
  }

  /** Sends `tag command` and returns every line up to its tagged completion. */
  async command(tagged: string, ms = 10_000): Promise<string[]> {
    const tag = tagged.split(' ')[0];
    this.write(tagged + '\r\n');
    return this.until(tag, ms);
  }

  /** Waits until the connection closes; returns the lines seen meanwhile. */
  async closedLines(ms = 10_000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      try {
        out.push(await this.line(ms));
      } catch {
        return out;
      }
    }
  }
}

/** Asserts that `lines` match `expected` in order; unexpected lines fail (pass `...` to skip ahead). */
export function matchLines(lines: string[], expected: (Expect | '...')[]): string | null {
  let i = 0;
  for (let e = 0; e < expected.length; e++) {
    const want = expected[e];
    if (want === '...') {
      const next = expected[e + 1];
      if (next === undefined) return null;
      while (i < lines.length && !test(lines[i], next)) i++;
      continue;
    }
    if (i >= lines.length) return `missing line ${String(want)}; got:\n${lines.join('\n')}`;
    if (!test(lines[i], want)) return `line ${i}: expected ${String(want)}\n got ${lines[i]}\nall:\n${lines.join('\n')}`;
    i++;
  }
  if (i < lines.length) return `unexpected extra lines:\n${lines.slice(i).join('\n')}`;
  return null;
}

function test(line: string, want: Expect): boolean {
  return typeof want === 'string' ? line === want : want.test(line);
}
