// Over 300 lines: the listener, its socket connection and its limits belong together.
// The IMAP listener: sockets (implicit TLS or cleartext with STARTTLS) → sessions,
// with connection limits per IP and per user, timeouts, and no way for one
// connection's failure to take the process down.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '@/lib/log';
import type { MailStore } from './backend';
import { Code } from './codes';
import { COMMANDS } from './commands';
import { statusLine } from './protocol/encode';
import { ImapSession, type Connection, type LoginOutcome, type SessionDeps } from './session';

export interface ImapTls {
  /** Options for tls.createServer / new TLSSocket: default certificate + SNI. */
  serverOptions(): tls.TlsOptions;
  /** Keeps a server's default context current when certificates rotate. */
  attach?(server: tls.Server): () => void;
}

export interface ImapLimits {
  maxLine: number;
  maxLiteral: number;
  maxCommand: number;
  maxConnectionsPerIp: number;
  maxConnectionsPerUser: number;
  /** All connections of this listener process together. */
  maxConnections: number;
  /** Before login (RFC 3501 5.4 allows shorter). */
  preauthTimeoutMs: number;
  /** After login, IDLE included: at least 30 minutes (RFC 3501 5.4, RFC 2177). */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ImapLimits = {
  maxLine: 64 * 1024,
  maxLiteral: 64 * 1024,
  maxCommand: 1024 * 1024,
  maxConnectionsPerIp: 256,
  maxConnectionsPerUser: 50,
  maxConnections: 10_000,
  preauthTimeoutMs: 2 * 60_000,
  idleTimeoutMs: 31 * 60_000,
};

export interface ImapServerOptions {
  store: MailStore;
  tls: ImapTls;
  log: Logger;
  /** Password check: lib/auth verifyMailboxLogin with service 'imap'. */
  verify(user: string, password: string, ip: string): Promise<{ ok: true; mailboxId: string; address: string } | { ok: false; reason: 'invalid' | 'throttled' }>;
  allowCleartextAuth(): Promise<boolean>;
  /** After a successful login: the client's TLS (null in cleartext), for the client-side TLS statistics. */
  onLogin?(info: { mailboxId: string; ip: string; tls: { version: string | null; cipher: string | null } | null }): void;
  limits?: Partial<ImapLimits>;
  serverName?: string;
}

class SocketConnection implements Connection {
  private socket: net.Socket;
  private encrypted: boolean;

  constructor(
    socket: net.Socket,
    encrypted: boolean,
    private readonly server: ImapServer,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.socket = socket;
    this.encrypted = encrypted;
    this.bind(socket);
  }

  private bind(socket: net.Socket): void {
    socket.on('data', this.onData);
  }

  get raw(): net.Socket {
    return this.socket;
  }

  get secure(): boolean {
    return this.encrypted;
  }

  get remoteAddress(): string {
    return (this.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  }

  private corked = false;

  write(chunks: Buffer[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    // Responses written in the same tick leave in one segment (no Nagle/delayed-ACK stalls).
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    let okay = true;
    for (const c of chunks) okay = socket.write(c);
    return okay;
  }

  drain(): Promise<void> {
    if (this.socket.destroyed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.setTimeout(0);
    plain.removeAllListeners('timeout');
    plain.pause();
    const secure = new tls.TLSSocket(plain, { isServer: true, ...this.server.tlsOptions() });
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
    });
    secure.on('error', () => {});
    secure.setNoDelay(true);
    this.socket = secure;
    this.encrypted = true;
    this.bind(secure);
    this.server.rebind(this, secure);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}

export class ImapServer {
  readonly limits: ImapLimits;
  private readonly servers: net.Server[] = [];
  private readonly detach: (() => void)[] = [];
  private readonly sessions = new Set<ImapSession>();
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<string, number>();

  constructor(private readonly options: ImapServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  tlsOptions(): tls.TlsOptions {
    return this.options.tls.serverOptions();
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Listens; returns the bound port. `implicitTls` = IMAPS (RFC 8314), else cleartext with STARTTLS. */
  async listen(port: number, host: string, implicitTls: boolean): Promise<number> {
    const server = implicitTls
      ? tls.createServer(this.tlsOptions(), (socket) => this.accept(socket, true))
      : net.createServer((socket) => this.accept(socket, false));
    if (implicitTls && this.options.tls.attach) this.detach.push(this.options.tls.attach(server as tls.Server));
    server.maxConnections = this.limits.maxConnections;
    server.on('error', (err) => this.options.log.error({ err }, 'imap listener error'));
    if (implicitTls) {
      (server as tls.Server).on('tlsClientError', (err) => this.options.log.debug({ err: err.message }, 'imap TLS handshake failed'));
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket, secure: boolean): void {
    socket.setNoDelay(true);
    socket.on('error', (err) => this.options.log.debug({ err: err.message }, 'imap socket error'));
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const count = (this.perIp.get(ip) ?? 0) + 1;
    if (count > this.limits.maxConnectionsPerIp) {
      socket.end(Buffer.concat(statusLine('*', 'BYE', Code.UNAVAILABLE, 'Too many connections from your address')));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.perIp.set(ip, count);
    let session: ImapSession | null = null;
    const conn = new SocketConnection(socket, secure, this, (chunk) => {
      try {
        if (session && session.state !== 'not-authenticated' && !bumped) {
          bumped = true;
          conn.raw.setTimeout(this.limits.idleTimeoutMs);
        }
        session?.receive(chunk);
      } catch (err) {
        this.options.log.error({ err }, 'imap: input handling failed');
        conn.close();
      }
    });
    let bumped = false;
    const deps: SessionDeps = {
      store: this.options.store,
      log: this.options.log,
      commands: COMMANDS,
      starttls: !secure,
      limits: { maxLine: this.limits.maxLine, maxLiteral: this.limits.maxLiteral, maxCommand: this.limits.maxCommand },
      allowCleartextAuth: () => this.options.allowCleartextAuth(),
      serverName: this.options.serverName,
      login: (user, password, ipAddr) => this.login(user, password, ipAddr, conn),
      logout: (address) => this.release(address),
    };
    session = new ImapSession(conn, deps);
    this.sessions.add(session);
    this.watchSocket(socket, session, conn, ip);
    session.start().catch((err) => {
      this.options.log.error({ err }, 'imap: greeting failed');
      conn.close();
    });
  }

  private watchSocket(socket: net.Socket, session: ImapSession, conn: SocketConnection, ip: string | null): void {
    socket.setTimeout(session.state === 'not-authenticated' ? this.limits.preauthTimeoutMs : this.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      conn.write(statusLine('*', 'BYE', undefined, 'Autologout; idle for too long'));
      conn.close();
    });
    socket.once('close', () => {
      if (conn.raw !== socket) return; // STARTTLS replaced the socket: the new one carries on
      this.sessions.delete(session);
      session.close();
      if (ip !== null) {
        const n = (this.perIp.get(ip) ?? 1) - 1;
        if (n <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, n);
      }
    });
  }

  /** STARTTLS swapped the socket under a connection. */
  rebind(conn: SocketConnection, secure: tls.TLSSocket): void {
    const session = [...this.sessions].find((s) => s.conn === conn);
    if (!session) return;
    const ip = conn.remoteAddress;
    this.watchSocket(secure, session, conn, ip);
  }

  private async login(user: string, password: string, ip: string, conn?: SocketConnection): Promise<LoginOutcome> {
    const res = await this.options.verify(user, password, ip);
    if (!res.ok) {
      this.options.log.info({ ip, reason: res.reason }, 'imap login refused');
      return res;
    }
    const sock = conn?.raw;
    const secure = sock instanceof tls.TLSSocket ? sock : null;
    this.options.onLogin?.({
      mailboxId: res.mailboxId,
      ip,
      tls: secure ? { version: secure.getProtocol(), cipher: secure.getCipher()?.name ?? null } : null,
    });
    const n = this.perUser.get(res.address) ?? 0;
    if (n >= this.limits.maxConnectionsPerUser) return { ok: false, reason: 'limit' };
    this.perUser.set(res.address, n + 1);
    this.options.log.info({ ip, user: res.address }, 'imap login');
    return res;
  }

  private release(address: string): void {
    const n = (this.perUser.get(address) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(address);
    else this.perUser.set(address, n);
  }

  /** Stops listening, says BYE to every session and closes them. */
  async close(): Promise<void> {
    for (const d of this.detach) d();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const session of this.sessions) {
      session.write(statusLine('*', 'BYE', undefined, 'Server shutting down'));
      session.conn.close();
      session.close();
    }
    this.sessions.clear();
    await closed;
  }
}
