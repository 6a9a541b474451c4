// A byte-exact IMAP client for tests of binary data (RFC 3516 literal8) and of COMPRESS=DEFLATE
// (RFC 4978): responses come back as Buffers, literals ({n} and ~{n}) skipped by their length, and
// after compress() both directions go through raw deflate. Counts the octets the server sent on
// the connection (after TLS, before inflation), so a test can measure what compression saves.
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';

export class ByteClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  /** Octets received on the connection (compressed ones once COMPRESS is active). */
  wireBytesIn = 0;

  private constructor(
    private readonly socket: tls.TLSSocket,
    private readonly tcp: net.Socket,
  ) {
    socket.on('data', (d: Buffer) => {
      this.wireBytesIn += d.length;
      if (this.inflate) this.inflate.write(d);
      else this.take(d);
    });
    socket.on('close', () => {
      const done = () => {
        this.closed = true;
        this.wake();
      };
      // What the inflater still holds is the server's last words (LOGOUT's OK): read them first.
      if (this.inflate && !this.inflate.destroyed) {
        this.inflate.once('close', done);
        this.inflate.end();
      } else done();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<ByteClient> {
    const tcp = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      tcp.once('connect', () => resolve());
      tcp.once('error', reject);
    });
    const socket = tls.connect({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    const c = new ByteClient(socket, tcp);
    await c.response('*');
    return c;
  }

  private take(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.deflate) {
      this.deflate.write(bytes);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
    } else this.socket.write(bytes);
  }

  /** Octets received on the TCP connection: TLS records, headers and all. */
  get tcpBytesIn(): number {
    return this.tcp.bytesRead;
  }

  /** Bytes straight onto the connection, past any compression (a corrupt stream, say). */
  rawWrite(data: Buffer): void {
    this.socket.write(data);
  }

  /** From now on both directions are raw deflate (after the server's tagged OK to COMPRESS). */
  startCompression(): void {
    this.inflate = zlib.createInflateRaw();
    this.inflate.on('data', (d: Buffer) => this.take(d));
    this.inflate.on('error', () => this.socket.destroy());
    this.deflate = zlib.createDeflateRaw();
    this.deflate.on('data', (d: Buffer) => this.socket.write(d));
  }

  /**
   * The bytes up to and including the first line starting with `tag ` (or, for '*', the first
   * line), literals skipped whole so their content is never taken for a line.
   */
  async response(tag: string, ms = 20_000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.findEnd(tag);
      if (end >= 0) {
        const out = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(end);
        return out;
      }
      if (this.closed) throw new Error(`connection closed; got ${this.buf.toString('latin1')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${tag}; got ${this.buf.toString('latin1').slice(-500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private findEnd(tag: string): number {
    let pos = 0;
    let lineStart = 0;
    for (;;) {
      const nl = this.buf.indexOf('\r\n', pos);
      if (nl < 0) return -1;
      const m = /~?\{(\d+)\}$/.exec(this.buf.toString('latin1', pos, nl));
      if (m) {
        pos = nl + 2 + Number(m[1]);
        if (pos > this.buf.length) return -1;
        continue;
      }
      const line = this.buf.toString('latin1', lineStart, lineStart + tag.length + 1);
      if (tag === '*' || line === `${tag} `) return nl + 2;
      pos = nl + 2;
      lineStart = pos;
    }
  }

  /** Sends `tag command` and returns everything up to its tagged completion. */
  async command(tagged: string, ms?: number): Promise<Buffer> {
    this.write(`${tagged}\r\n`);
    return this.response(tagged.split(' ')[0], ms);
  }

  close(): void {
    this.socket.destroy();
  }
}
