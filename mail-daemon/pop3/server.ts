// The POP3 listener: sockets (POP3S with implicit TLS, RFC 8314; or cleartext with STLS,
// RFC 2595) → sessions, under the same connection slots, PROXY header, timeouts and bound on
// slow input as IMAP (mail-daemon/net/), and no way for one connection to take the process down.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '@/lib/log';
import { handshakeFailure, refuseRenegotiation } from '@/lib/certificates/tls-provider';
import { acceptConnection, listenTcp } from '../net/listener';
import type { ProxyProtocolOptions } from '../net/proxy-protocol';
import { TransferWatch, type TransferLimits } from '../net/rate';
import { ConnectionSlots, type Slot, type SlotRefusal } from '../net/slots';
import type { Pop3Store } from './backend';
import { Code, err } from './codes';
import { COMMANDS } from './commands';
import { SocketConnection } from './connection';
import { Pop3Session, type LoginOutcome, type Pop3Limits } from './session';

export interface Pop3Tls {
  serverOptions(): tls.TlsOptions;
  /** The current default context, asked per connection (a rotation applies to the next handshake). */
  secureContext(): tls.SecureContext;
}

export interface Pop3ListenerLimits extends Pop3Limits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Connections from one /24 (IPv4) or /64 (IPv6). */
  maxConnectionsPerPrefix: number;
  /** The top slots of maxConnections: for unseen addresses, and seen ones that log in within probationMs. */
  reserveSlots: number;
  seenMs: number;
  probationMs: number;
  /** Before login, the POP3S handshake included. */
  preauthTimeoutMs: number;
  /** RFC 1939 §3: the autologout timer is at least 10 minutes. */
  idleTimeoutMs: number;
  /** A line begun and not ended: minimum average rate and total time. */
  lineTransfer: TransferLimits;
}

export const DEFAULT_LIMITS: Pop3ListenerLimits = {
  // RFC 2449 §4: 255 octets for a command; SASL PLAIN with a long password needs more.
  maxLine: 1024,
  maxAuthFailures: 3,
  maxBadCommands: 20,
  maxQueued: 64,
  maxConnections: 10_000,
  maxConnectionsPerIp: 256,
  maxConnectionsPerPrefix: 512,
  reserveSlots: 500,
  seenMs: 10 * 60_000,
  probationMs: 15_000,
  preauthTimeoutMs: 60_000,
  idleTimeoutMs: 10 * 60_000,
  lineTransfer: { graceMs: 30_000, minBytesPerSecond: 16, maxMs: 60_000 },
};

export interface Pop3ServerOptions {
  store: Pop3Store;
  tls: Pop3Tls;
  log: Logger;
  /** lib/auth verifyMailboxLogin with service 'pop3'; `tls` is the client's, for the login record a success writes with its throttle bookkeeping. */
  verify(user: string, password: string, ip: string, tls: { version: string | null; cipher: string | null }): Promise<LoginOutcome>;
  /** After a successful login: the client's TLS. */
  onLogin?(info: { mailboxId: string; ip: string; tls: { version: string | null; cipher: string | null } }): void;
  limits?: Partial<Pop3ListenerLimits>;
  proxy?: ProxyProtocolOptions | null;
}

const REFUSED: Record<SlotRefusal, string> = {
  'per-ip': 'Too many connections from your address',
  'per-prefix': 'Too many connections from your network',
  full: 'Too many connections, try again later',
};

export class Pop3Server {
  readonly limits: Pop3ListenerLimits;
  private readonly servers: net.Server[] = [];
  private readonly sessions = new Map<Pop3Session, SocketConnection>();
  /** The credential each logged-in connection used, for endSessions. */
  private readonly credentials = new WeakMap<SocketConnection, { mailboxId: string; appPasswordId: string | null }>();
  private readonly slots: ConnectionSlots;

  constructor(private readonly options: Pop3ServerOptions) {
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

  get connectionCount(): number {
    return this.sessions.size;
  }

  wrapTls(plain: net.Socket): tls.TLSSocket {
    const options = this.options.tls.serverOptions();
    return new tls.TLSSocket(plain, { isServer: true, secureContext: this.options.tls.secureContext(), SNICallback: options.SNICallback });
  }

  handshakeFailed(ip: string, mode: 'implicit' | 'starttls', e: Error): void {
    this.options.log.info({ ip, mode, reason: handshakeFailure(e) }, 'pop3 TLS handshake failed');
  }

  /** Listens; returns the bound port. `implicitTls`: POP3S, else cleartext POP3 with STLS. */
  async listen(port: number, host: string, implicitTls: boolean): Promise<number> {
    const server = await listenTcp(port, host, { name: 'pop3', log: this.options.log, maxConnections: 2 * this.limits.maxConnections, onSocket: (socket) => this.accept(socket, implicitTls) });
    this.servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  private accept(raw: net.Socket, implicitTls: boolean): void {
    acceptConnection(raw, { name: 'pop3', log: this.options.log, proxy: this.options.proxy }, (ip) => this.admit(raw, implicitTls, ip));
  }

  /** Takes a slot (or refuses with -ERR [SYS/TEMP]), does the POP3S handshake, starts the session. */
  private admit(raw: net.Socket, implicitTls: boolean, ip: string): void {
    const admission = this.slots.acquire(ip, true);
    const slot = admission.ok ? admission.slot : null;
    const refuse = (socket: net.Socket) => {
      const reason = admission.ok ? 'full' : admission.reason;
      this.options.log.warn({ ip, reason, connections: this.slots.size }, 'pop3 connection refused: listener limit');
      socket.end(err(REFUSED[reason], Code.SYS_TEMP));
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    // The pre-login timer runs from the first byte: a client stuck in its handshake holds a counted slot.
    raw.setTimeout(this.limits.preauthTimeoutMs, () => raw.destroy());
    if (!implicitTls) {
      // A PROXY header read leaves the socket paused.
      raw.resume();
      return slot ? this.start(raw, raw, false, ip, slot) : refuse(raw);
    }
    const secure = this.wrapTls(raw);
    let started = false;
    secure.once('error', (e) => {
      this.handshakeFailed(ip, 'implicit', e);
      secure.destroy();
    });
    secure.once('close', () => {
      if (!started) slot?.release();
    });
    secure.once('secure', () => {
      refuseRenegotiation(secure);
      secure.on('error', (e) => this.options.log.debug({ ip, err: e.message }, 'pop3 socket error'));
      if (!slot) return refuse(secure);
      started = true;
      this.start(raw, secure, true, ip, slot);
    });
  }

  private start(raw: net.Socket, socket: net.Socket, secure: boolean, ip: string, slot: Slot): void {
    let session: Pop3Session | null = null;
    const conn = new SocketConnection(socket, secure, ip, this, (chunk) => {
      try {
        session?.receive(chunk);
        if (session) this.track(conn, session, chunk.length);
      } catch (e) {
        this.options.log.error({ err: e }, 'pop3: input handling failed');
        conn.close();
      }
    });
    session = new Pop3Session(conn, {
      store: this.options.store,
      log: this.options.log,
      commands: COMMANDS,
      starttls: !secure,
      limits: this.limits,
      login: (user, password) => this.login(user, password, conn, slot),
      onTransaction: () => raw.setTimeout(this.limits.idleTimeoutMs),
    });
    this.sessions.set(session, conn);
    raw.removeAllListeners('timeout');
    raw.setTimeout(this.limits.preauthTimeoutMs);
    raw.on('timeout', () => {
      conn.write([err('Autologout: idle for too long')]);
      conn.close();
    });
    raw.once('close', () => {
      this.sessions.delete(session);
      session.close();
      conn.transfer?.stop();
      slot.release();
    });
    if (slot.probation) {
      // A seen address let into the reserve: the slot is its for as long as it takes to log in.
      const timer = setTimeout(() => {
        if (!slot.probation || session.isClosed) return;
        conn.write([err('Server busy: log in promptly or try again later', Code.SYS_TEMP)]);
        conn.close();
      }, this.limits.probationMs);
      timer.unref();
      raw.once('close', () => clearTimeout(timer));
    }
    void session.greet();
  }

  /** Slowloris: the idle timer resets on every byte, so a line being received must arrive at a rate. */
  private track(conn: SocketConnection, session: Pop3Session, bytes: number): void {
    if (!session.inputPending) {
      conn.transfer?.stop();
      conn.transfer = null;
      return;
    }
    conn.transfer ??= new TransferWatch(this.limits.lineTransfer, (violation, facts) => {
      this.options.log.info({ ip: conn.remoteAddress, violation, ...facts }, 'pop3 command line cut');
      conn.write([err('Command line too slow')]);
      conn.close();
    });
    conn.transfer.add(bytes);
  }

  private async login(user: string, password: string, conn: SocketConnection, slot: Slot): Promise<LoginOutcome> {
    const s = conn.socket as tls.TLSSocket;
    const clientTls = { version: s.getProtocol?.() ?? null, cipher: s.getCipher?.()?.name ?? null };
    const res = await this.options.verify(user, password, conn.remoteAddress, clientTls);
    if (!res.ok) {
      this.options.log.info({ ip: conn.remoteAddress, reason: res.reason }, 'pop3 login refused');
      return res;
    }
    this.options.onLogin?.({ mailboxId: res.mailboxId, ip: conn.remoteAddress, tls: clientTls });
    slot.authenticated();
    this.credentials.set(conn, { mailboxId: res.mailboxId, appPasswordId: res.appPasswordId ?? null });
    this.options.log.info({ ip: conn.remoteAddress, user: res.address }, 'pop3 login');
    return res;
  }

  /**
   * A mailbox's credential changed (announced on the directory channel): the sessions that
   * logged in with it (the mailbox password when `appPasswordId` is null, else that app
   * password) are told and closed, nothing deleted. Returns how many.
   */
  endSessions(mailboxId: string, appPasswordId: string | null): number {
    let ended = 0;
    for (const [session, conn] of this.sessions) {
      const used = this.credentials.get(conn);
      if (!used || used.mailboxId !== mailboxId || used.appPasswordId !== appPasswordId) continue;
      conn.write([err('Your credentials changed: log in again', Code.AUTH)]);
      conn.close();
      session.close();
      ended++;
    }
    return ended;
  }

  /** Stops listening, tells every session and closes them (nothing is deleted without QUIT). */
  async close(): Promise<void> {
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const [session, conn] of this.sessions) {
      conn.write([err('Server shutting down', Code.SYS_TEMP)]);
      conn.close();
      session.close();
    }
    this.sessions.clear();
    await closed;
  }
}
