// A raw POP3 client for transcript tests: sends lines exactly as written, reads response
// lines as they come (a multi-line response is read to its "." with `multiline`).
import net from 'node:net';
import tls from 'node:tls';

export class Pop3Wire {
  private buf = Buffer.alloc(0);
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  static async connect(port: number, options: { tls: boolean }): Promise<Pop3Wire> {
    const socket = options.tls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost' })
      : net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new Pop3Wire(socket);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (let nl = this.buf.indexOf('\r\n'); nl >= 0; nl = this.buf.indexOf('\r\n')) {
        this.lines.push(this.buf.toString('latin1', 0, nl));
        this.buf = this.buf.subarray(nl + 2);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

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

  /** Sends one command line and returns the first response line. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line();
  }

  /** The lines of a multi-line response after its status line, up to and including ".". */
  async multiline(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      out.push(l);
      if (l === '.') return out;
    }
  }

  /** Resolves when the server has closed the connection. */
  async closedByServer(ms = 10_000): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      try {
        seen.push(await this.line(ms));
      } catch (e) {
        if (this.closed) return seen;
        throw e;
      }
    }
  }

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

  close(): void {
    this.socket.destroy();
  }
}
