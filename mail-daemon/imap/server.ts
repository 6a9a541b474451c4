// Over 300 lines: the listener, its connection slots, PROXY header, TLS and timeouts belong together.
// The IMAP listener: sockets (implicit TLS or cleartext with STARTTLS) → sessions,
// with connection limits per IP and per user, timeouts, and no way for one
// connection's failure to take the process down.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '@/lib/log';
import { acceptConnection, drained, listenTcp } from '../net/listener';
import type { ProxyProtocolOptions } from '../net/proxy-protocol';
import { TransferWatch, type TransferLimits } from '../net/rate';
import { ConnectionSlots, type Slot, type SlotRefusal } from '../net/slots';
import { handshakeFailure, refuseRenegotiation } from '@/lib/certificates/tls-provider';
import type { MailStore } from './backend';
import { Code } from './codes';
import { COMMANDS } from './commands';
import { DeflateLayer } from './compression';
import { statusLine } from './protocol/encode';
import { ImapSession, type Connection, type LoginOutcome, type SessionDeps } from './session';

export interface ImapTls {
  /** Options for tls.createServer / new TLSSocket: default certificate + SNI. */
  serverOptions(): tls.TlsOptions;
  /**
   * The current default context, asked per connection (so a rotation applies to the next
   * handshake); without it one is built from serverOptions() each time.
   */
  secureContext?(): tls.SecureContext;
}

export interface ImapLimits {
  maxLine: number;
  maxLiteral: number;
  maxCommand: number;
  maxConnectionsPerIp: number;
  maxConnectionsPerUser: number;
  /** Connections from one /24 (IPv4) or /64 (IPv6). */
  maxConnectionsPerPrefix: number;
  /** All connections of this listener process together. */
  maxConnections: number;
  /** The top slots of maxConnections: for unseen addresses, and seen ones that log in within probationMs. */
  reserveSlots: number;
  seenMs: number;
  probationMs: number;
  /** Before login (RFC 3501 5.4 allows shorter), the IMAPS handshake included. */
  preauthTimeoutMs: number;
  /** A command in progress (a partial line, a literal): minimum average rate and total time. */
  commandTransfer: TransferLimits;
  /** After login, IDLE included: at least 30 minutes (RFC 3501 5.4, RFC 2177). */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: ImapLimits = {
  maxLine: 64 * 1024,
  maxLiteral: 64 * 1024,
  maxCommand: 1024 * 1024,
  // Per address: a NAT'd office runs several clients with several connections each.
  maxConnectionsPerIp: 256,
  maxConnectionsPerUser: 50,
  maxConnectionsPerPrefix: 512,
  maxConnections: 10_000,
  reserveSlots: 500,
  seenMs: 10 * 60_000,
  probationMs: 15_000,
  // A client that has not logged in within a minute is not a mail client at work.
  preauthTimeoutMs: 60_000,
  idleTimeoutMs: 31 * 60_000,
  // As SMTP DATA: an APPEND of the largest message fits in 10 minutes at well under
  // 1 Mbit/s; one byte every 5 s is cut after 30 s.
  commandTransfer: { graceMs: 30_000, minBytesPerSecond: 1024, maxMs: 10 * 60_000 },
};

export interface ImapServerOptions {
  store: MailStore;
  tls: ImapTls;
  log: Logger;
  /**
   * Password check: lib/auth verifyMailboxLogin with service 'imap'; `appPasswordId` names the app password that matched (null: the mailbox password).
   * `tls` is the client's (null in cleartext), for the login record a success writes with its throttle bookkeeping.
   */
  verify(
    user: string,
    password: string,
    ip: string,
    tls: { version: string | null; cipher: string | null } | null,
  ): Promise<{ ok: true; mailboxId: string; address: string; appPasswordId?: string | null } | { ok: false; reason: 'invalid' | 'throttled' }>;
  allowCleartextAuth(): Promise<boolean>;
  /** After a successful login: the client's TLS (null in cleartext). */
  onLogin?(info: { mailboxId: string; ip: string; tls: { version: string | null; cipher: string | null } | null }): void;
  limits?: Partial<ImapLimits>;
  serverName?: string;
  /** PROXY protocol v2 from trusted peers (POSTERN_PROXY_PROTOCOL), or null. */
  proxy?: ProxyProtocolOptions | null;
}

const REFUSED: Record<SlotRefusal, string> = {
  'per-ip': 'Too many connections from your address',
  'per-prefix': 'Too many connections from your network',
  full: 'Too many connections, try again later',
};

class SocketConnection implements Connection {
  private socket: net.Socket;
  private encrypted: boolean;
  /** The command being received slowly, if any (see ImapServer.track). */
  transfer: TransferWatch | null = null;
  /** COMPRESS=DEFLATE (RFC 4978), once started. */
  private deflate: DeflateLayer | null = null;

  constructor(
    socket: net.Socket,
    encrypted: boolean,
    private readonly server: ImapServer,
    private readonly onData: (chunk: Buffer) => void,
    /** The client: the socket's peer, or the PROXY header's source. */
    private readonly clientIp: string,
    readonly slot: Slot,
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
    return this.clientIp;
  }

  private corked = false;

  write(chunks: Buffer[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    if (this.deflate) return this.deflate.write(chunks);
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
    if (this.deflate) return this.deflate.drain();
    return drained(this.socket);
  }

  async startTls(): Promise<void> {
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.setTimeout(0);
    plain.removeAllListeners('timeout');
    plain.pause();
    const secure = this.server.wrapTls(plain);
    const ok = await new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('error', (err) => {
        this.server.handshakeFailed(this.clientIp, 'starttls', err);
        resolve(false);
      });
    });
    if (!ok) {
      // The session's OK goes nowhere (write() skips a destroyed socket); its close follows.
      secure.destroy();
      plain.destroy();
      return;
    }
    refuseRenegotiation(secure);
    secure.on('error', () => {});
    secure.setNoDelay(true);
    this.socket = secure;
    this.encrypted = true;
    this.bind(secure);
    this.server.rebind(this, secure);
  }

  /** After COMPRESS's tagged OK went out uncompressed: raw deflate both ways from here on. */
  startCompression(): void {
    const socket = this.socket;
    socket.off('data', this.onData);
    const layer = new DeflateLayer(socket, this.onData, () => socket.destroy());
    this.deflate = layer;
    socket.on('data', (chunk: Buffer) => layer.input(chunk));
  }

  pause(): void {
    // We stopped reading: the client's rate is ours to answer for until we read again.
    this.transfer?.stop();
    this.transfer = null;
    this.socket.pause();
    this.deflate?.pause();
  }

  resume(): void {
    this.socket.resume();
    this.deflate?.resume();
  }

  close(): void {
    this.transfer?.stop();
    this.transfer = null;
    const socket = this.socket;
    if (this.deflate) this.deflate.end(() => socket.end());
    else socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  }
}

export class ImapServer {
  readonly limits: ImapLimits;
  private readonly servers: net.Server[] = [];
  private readonly sessions = new Set<ImapSession>();
  /** The credential each logged-in connection used, so a changed password or a revoked app password ends exactly those. */
  private readonly credentials = new WeakMap<object, { mailboxId: string; appPasswordId: string | null }>();
  private readonly slots: ConnectionSlots;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly options: ImapServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const l = this.limits;
    this.slots = new ConnectionSlots({
      maxTotal: l.maxConnections,
      maxPerIp: l.maxConnectionsPerIp,
      maxPerPrefix: l.maxConnectionsPerPrefix,
      reserve: Math.min(l.reserveSlots, Math.floor(l.maxConnections / 2)),
      seenMs: l.seenMs,
    });
  }

  tlsOptions(): tls.TlsOptions {
    return this.options.tls.serverOptions();
  }

  /** A server-side TLS socket over `plain` with the current certificate (IMAPS and STARTTLS). */
  wrapTls(plain: net.Socket): tls.TLSSocket {
    const options = this.tlsOptions();
    const secureContext = this.options.tls.secureContext?.() ?? tls.createSecureContext(options);
    return new tls.TLSSocket(plain, { isServer: true, secureContext, SNICallback: options.SNICallback });
  }

  /** A failed handshake is the client's problem: one line at info, the reason, no stack. */
  handshakeFailed(ip: string, mode: 'implicit' | 'starttls', err: Error): void {
    this.options.log.info({ ip, mode, reason: handshakeFailure(err) }, 'imap TLS handshake failed');
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Listens; returns the bound port. `implicitTls` = IMAPS (RFC 8314), else cleartext with STARTTLS. */
  async listen(port: number, host: string, implicitTls: boolean): Promise<number> {
    const server = await listenTcp(port, host, { name: 'imap', log: this.options.log, maxConnections: 2 * this.limits.maxConnections, onSocket: (socket) => this.accept(socket, implicitTls) });
    this.servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  private accept(raw: net.Socket, implicitTls: boolean): void {
    acceptConnection(raw, { name: 'imap', log: this.options.log, proxy: this.options.proxy }, (ip) => this.admit(raw, implicitTls, ip));
  }

  /** Takes a slot for `ip` (or refuses with BYE), does the IMAPS handshake, starts the session. */
  private admit(raw: net.Socket, implicitTls: boolean, ip: string): void {
    const admission = this.slots.acquire(ip, true);
    const slot = admission.ok ? admission.slot : null;
    const refuse = (socket: net.Socket) => {
      const reason = admission.ok ? 'full' : admission.reason;
      this.options.log.warn({ ip, reason, connections: this.slots.size }, 'imap connection refused: listener limit');
      socket.end(Buffer.concat(statusLine('*', 'BYE', Code.UNAVAILABLE, REFUSED[reason])));
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (!implicitTls) {
      raw.resume();
      return slot ? this.start(raw, false, ip, slot) : refuse(raw);
    }
    const secure = this.wrapTls(raw);
    const deadline = setTimeout(() => {
      this.handshakeFailed(ip, 'implicit', new Error('TLS handshake timeout'));
      secure.destroy();
    }, this.limits.preauthTimeoutMs);
    deadline.unref();
    secure.once('error', (err) => {
      clearTimeout(deadline);
      this.handshakeFailed(ip, 'implicit', err);
      secure.destroy();
    });
    secure.once('close', () => {
      clearTimeout(deadline);
      if (!started) slot?.release();
    });
    let started = false;
    secure.once('secure', () => {
      clearTimeout(deadline);
      refuseRenegotiation(secure);
      secure.on('error', (err) => this.options.log.debug({ ip, err: err.message }, 'imap socket error'));
      if (!slot) return refuse(secure);
      started = true;
      this.start(secure, true, ip, slot);
    });
  }

  private start(socket: net.Socket, secure: boolean, ip: string, slot: Slot): void {
    let session: ImapSession | null = null;
    const conn = new SocketConnection(
      socket,
      secure,
      this,
      (chunk) => {
        try {
          if (session && session.state !== 'not-authenticated' && !bumped) {
            bumped = true;
            conn.raw.setTimeout(this.limits.idleTimeoutMs);
          }
          session?.receive(chunk);
          if (session) this.track(conn, session, chunk.length);
        } catch (err) {
          this.options.log.error({ err }, 'imap: input handling failed');
          conn.close();
        }
      },
      ip,
      slot,
    );
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
    this.watchSocket(socket, session, conn);
    if (slot.probation) {
      // A seen address let into the reserve: the slot is its for as long as it takes to log in.
      const timer = setTimeout(() => {
        if (!slot.probation || session?.isClosed) return;
        this.options.log.info({ ip }, 'imap reserve slot: not logged in in time');
        conn.write(statusLine('*', 'BYE', Code.UNAVAILABLE, 'Server busy: log in promptly or try again later'));
        conn.close();
      }, this.limits.probationMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
    session.start().catch((err) => {
      this.options.log.error({ err }, 'imap: greeting failed');
      conn.close();
    });
  }

  /**
   * Slowloris: idle timeouts reset on every byte, so a command being received (a line
   * without its end, a literal) must arrive at commandTransfer's rate and within its time.
   */
  private track(conn: SocketConnection, session: ImapSession, bytes: number): void {
    if (!session.commandInProgress) {
      conn.transfer?.stop();
      conn.transfer = null;
      return;
    }
    if (!conn.transfer) {
      conn.transfer = new TransferWatch(this.limits.commandTransfer, (violation, facts) => {
        this.options.log.info({ ip: conn.remoteAddress, violation, ...facts }, 'imap command data cut');
        conn.write(statusLine('*', 'BYE', undefined, violation === 'too-slow' ? 'Command data too slow' : 'Command data took too long'));
        conn.close();
      });
    }
    conn.transfer.add(bytes);
  }

  private watchSocket(socket: net.Socket, session: ImapSession, conn: SocketConnection): void {
    socket.setTimeout(session.state === 'not-authenticated' ? this.limits.preauthTimeoutMs : this.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      conn.write(statusLine('*', 'BYE', undefined, 'Autologout; idle for too long'));
      conn.close();
    });
    socket.once('close', () => {
      if (conn.raw !== socket) return; // STARTTLS replaced the socket: the new one carries on
      this.sessions.delete(session);
      session.close();
      conn.transfer?.stop();
      conn.slot.release();
    });
  }

  /** STARTTLS swapped the socket under a connection. */
  rebind(conn: SocketConnection, secure: tls.TLSSocket): void {
    const session = [...this.sessions].find((s) => s.conn === conn);
    if (!session) return;
    this.watchSocket(secure, session, conn);
  }

  private async login(user: string, password: string, ip: string, conn?: SocketConnection): Promise<LoginOutcome> {
    const sock = conn?.raw;
    const secure = sock instanceof tls.TLSSocket ? sock : null;
    const clientTls = secure ? { version: secure.getProtocol(), cipher: secure.getCipher()?.name ?? null } : null;
    const res = await this.options.verify(user, password, ip, clientTls);
    if (!res.ok) {
      this.options.log.info({ ip, reason: res.reason }, 'imap login refused');
      return res;
    }
    this.options.onLogin?.({ mailboxId: res.mailboxId, ip, tls: clientTls });
    const n = this.perUser.get(res.address) ?? 0;
    if (n >= this.limits.maxConnectionsPerUser) return { ok: false, reason: 'limit' };
    this.perUser.set(res.address, n + 1);
    conn?.slot.authenticated();
    if (conn) this.credentials.set(conn, { mailboxId: res.mailboxId, appPasswordId: res.appPasswordId ?? null });
    this.options.log.info({ ip, user: res.address }, 'imap login');
    return res;
  }

  private release(address: string): void {
    const n = (this.perUser.get(address) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(address);
    else this.perUser.set(address, n);
  }

  /**
   * A mailbox's credential changed (lib/app-passwords, lib/self-service, lib/mailboxes announce it
   * on the directory channel): the sessions that logged in with it get BYE and are closed — with
   * the mailbox password when `appPasswordId` is null, else with that app password. Returns how many.
   */
  endSessions(mailboxId: string, appPasswordId: string | null): number {
    let ended = 0;
    for (const session of this.sessions) {
      const used = this.credentials.get(session.conn);
      if (!used || used.mailboxId !== mailboxId || used.appPasswordId !== appPasswordId) continue;
      session.write(statusLine('*', 'BYE', undefined, 'Your credentials changed: log in again'));
      session.conn.close();
      ended++;
    }
    return ended;
  }

  /** Stops listening, says BYE to every session and closes them. */
  async close(): Promise<void> {
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
