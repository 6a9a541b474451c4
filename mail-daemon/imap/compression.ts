// RFC 4978 COMPRESS=DEFLATE on one connection: raw deflate (RFC 1951, no zlib header) in both
// directions, under TLS when there is TLS. What the server writes in one tick is flushed at its
// end with Z_SYNC_FLUSH (RFC 4978 4: the client must be able to read a response without
// waiting for more), so a FETCH batch of many responses costs one flush, not one per response.
// The client's stream is inflated chunk by chunk into the command framer, whose line and literal
// limits bound what a decompression bomb can make the server hold.
import type net from 'node:net';
import zlib from 'node:zlib';

export class DeflateLayer {
  private readonly inflate = zlib.createInflateRaw();
  private readonly deflate = zlib.createDeflateRaw();
  private flushQueued = false;

  constructor(
    private readonly socket: net.Socket,
    /** Inflated client bytes. */
    onData: (chunk: Buffer) => void,
    /** A corrupt stream from the client (or a zlib failure): the connection is beyond repair. */
    onError: (err: Error) => void,
  ) {
    this.inflate.on('data', onData);
    this.inflate.on('error', onError);
    this.deflate.on('error', onError);
    this.deflate.on('data', (d: Buffer) => {
      if (socket.destroyed || socket.write(d)) return;
      // The socket is full: stop compressing until it drains (deflate's own buffer then fills,
      // and the session waits in drain()).
      this.deflate.pause();
      socket.once('drain', () => this.deflate.resume());
    });
  }

  /** Compressed bytes from the socket. */
  input(chunk: Buffer): void {
    if (!this.inflate.destroyed) this.inflate.write(chunk);
  }

  /** Compresses one response; false when the session should wait for drain(). */
  write(chunks: Buffer[]): boolean {
    if (this.deflate.writableEnded) return true;
    let okay = true;
    for (const c of chunks) okay = this.deflate.write(c);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => {
        this.flushQueued = false;
        if (!this.deflate.writableEnded) this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      });
    }
    return okay;
  }

  drain(): Promise<void> {
    if (!this.deflate.writableNeedDrain || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.deflate.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.deflate.once('drain', done);
      this.socket.once('close', done);
    });
  }

  pause(): void {
    this.inflate.pause();
  }

  resume(): void {
    this.inflate.resume();
  }

  /** Finishes the compressed stream (what was written still goes out), then `then` (the socket's end). */
  end(then: () => void): void {
    if (this.deflate.writableEnded) return then();
    this.deflate.once('end', then);
    this.deflate.end();
  }
}
