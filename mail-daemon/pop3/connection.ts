// A POP3 connection's transport: the socket under a session (TLS from the start, or upgraded
// in place by STLS), with back-pressure for long RETR output and the watch on slow input.
import type net from 'node:net';
import type tls from 'node:tls';
import { refuseRenegotiation } from '@/lib/certificates/tls-provider';
import { drained } from '../net/listener';
import type { TransferWatch } from '../net/rate';
import type { Pop3Connection } from './session';

/** What the connection needs of its listener for STLS. */
export interface TlsWrapper {
  wrapTls(plain: net.Socket): tls.TLSSocket;
  handshakeFailed(ip: string, mode: 'implicit' | 'starttls', err: Error): void;
}

export class SocketConnection implements Pop3Connection {
  transfer: TransferWatch | null = null;

  constructor(
    public socket: net.Socket,
    public secure: boolean,
    readonly remoteAddress: string,
    private readonly server: TlsWrapper,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    socket.on('data', onData);
  }

  write(chunks: Buffer[]): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    this.socket.cork();
    let okay = true;
    for (const c of chunks) okay = this.socket.write(c);
    this.socket.uncork();
    return okay;
  }

  drain(): Promise<void> {
    return drained(this.socket);
  }

  async startTls(): Promise<boolean> {
    const plain = this.socket;
    plain.off('data', this.onData);
    const secure = this.server.wrapTls(plain);
    const ok = await new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('error', (e) => {
        this.server.handshakeFailed(this.remoteAddress, 'starttls', e);
        resolve(false);
      });
    });
    if (!ok) return false;
    refuseRenegotiation(secure);
    secure.on('error', () => {});
    secure.setNoDelay(true);
    // The plain socket's timeout and close still govern the connection; data now comes decrypted.
    this.socket = secure;
    this.secure = true;
    secure.on('data', this.onData);
    return true;
  }

  pause(): void {
    this.transfer?.stop();
    this.transfer = null;
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.transfer?.stop();
    this.transfer = null;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
