// What the raw protocol clients of the transcript tests share (IMAP and POP3): a socket,
// plain or TLS, whose bytes are cut into response lines by the protocol's own rule, and
// a line() that waits for the next one.
import net from 'node:net';
import tls from 'node:tls';

export interface WireOptions {
  tls: boolean;
  localAddress?: string;
}

/** A connected socket to 127.0.0.1:port, TLS handshake done when `tls` (test certificates: not verified). */
export async function openWireSocket(port: number, options: WireOptions): Promise<net.Socket> {
  const local = options.localAddress ? { localAddress: options.localAddress } : {};
  const socket = options.tls
    ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost', ...local })
    : net.connect({ port, host: '127.0.0.1', ...local });
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

export abstract class LineWire {
  /** Bytes received and not yet cut into lines. */
  protected buf = Buffer.alloc(0);
  protected readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  protected constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  /** Moves every complete response line from `buf` to `lines`. */
  protected abstract cut(): void;

  private attach(socket: net.Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.cut();
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

  /** Next complete line; rejects after `ms`, or at once when the connection has closed. */
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

  /** Upgrades the connection after the server's go-ahead (IMAP STARTTLS, POP3 STLS). */
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
