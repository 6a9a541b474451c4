// A raw IMAP client for transcript tests: sends lines exactly as written and reads
// the server's responses as logical lines (a literal is kept inline as {n}\r\n<bytes>).
import net from 'node:net';
import tls from 'node:tls';

export type Expect = string | RegExp;

export class WireClient {
  private buf = Buffer.alloc(0);
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, options: { tls: boolean; localAddress?: string }): Promise<WireClient> {
    const local = options.localAddress ? { localAddress: options.localAddress } : {};
    const socket = options.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost', ...local })
      : net.connect({ port, host: '127.0.0.1', ...local });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Upgrades the connection after a STARTTLS OK. */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private parse(): void {
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
    this.wake();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Next complete line; rejects after `ms`. */
  async line(ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a line');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lines.shift()!;
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

  /** Stops reading the socket, so the server's writes back up (a client that does not keep up). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
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
