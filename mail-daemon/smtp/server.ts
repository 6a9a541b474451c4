// Over 300 lines: the one adapter between smtp-server's callbacks and our session (TLS gates, limits, PROXY protocol, the arrival filter at connect), kept whole so each hook's order is read in one place.
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerAuthenticationResponse, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { createResolver } from '@/lib/dns/resolver';
import type { Logger } from '@/lib/log';
import { readProxyHeader, type ProxyOutcome, type ProxyProtocolOptions } from '../net/proxy-protocol';
import { TransferWatch, type TransferLimits } from '../net/rate';
import { REVERSE_DNS_TIMEOUT_MS, ReverseDns, type ReverseName } from '../net/reverse-dns';
import { ConnectionSlots, normalizeIp, type Slot, type SlotRefusal } from '../net/slots';
import { refuseRenegotiation, type TlsProvider, type TlsService } from '@/lib/certificates/tls-provider';
import type { InboundFilter, ListenerKind, SmtpBackend } from './backend';
import { ALLOWED_BEFORE_TLS, REPLY, SmtpReplyError, TOO_MANY_AUTH_FAILURES, TOO_MANY_ERRORS, replyText, type Reply } from './codes';
import { cipherBits, type TlsFacts } from './received';
import { SmtpSession, type MailDsn } from './session';

// The adapter between smtp-server (wire protocol: parsing, PIPELINING, dot-stuffing,
// STARTTLS mechanics) and our SmtpSession. The three listeners are this one class
// with different options; nothing else differs between MX and submission.
//
// The overrides below (connect, send, _onCommand, handler_STARTTLS, the per-connection
// options view) use smtp-server 3.21's connection internals; protocol.test.ts pins every
// behaviour they add, so an upgrade that changes them fails loudly. smtp-server itself
// already retires its parser at STARTTLS (no command injection) and ends DATA only at
// <CRLF>.<CRLF>; both are tested here on the wire as well.

export interface ListenerConfig {
  kind: ListenerKind;
  hostname: string;
  backend: SmtpBackend;
  /** null: no certificate at all, STARTTLS answers 454 (RFC 3207 §4). */
  tls: TlsProvider | null;
  log: Logger;
  maxConnectionsPerIp?: number;
  /** Connections from one /24 (IPv4) or /64 (IPv6). */
  maxConnectionsPerPrefix?: number;
  maxClients?: number;
  /** The top slots of maxClients kept for unseen addresses and (submission) clients that authenticate quickly. */
  reserveSlots?: number;
  /** How long an address counts as seen after it last connected. */
  seenMs?: number;
  /** A seen client let into the reserve on submission must authenticate within this. */
  probationMs?: number;
  /**
   * RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command —
   * once the client is doing something: after AUTH (submission) or the first MAIL (MX).
   */
  socketTimeoutMs?: number;
  /** Before that: the TLS handshake, the greeting and EHLO take seconds, not minutes. */
  preauthTimeoutMs?: number;
  /** DATA: a minimum average rate after a grace period, and a total time. */
  dataLimits?: TransferLimits;
  /** PROXY protocol v2 from trusted peers (POSTERN_PROXY_PROTOCOL), or null. */
  proxy?: ProxyProtocolOptions | null;
  /** Checks on arrival (MX only: DNS blocklists, greylisting, authentication, spam filter), or null. */
  filter?: InboundFilter | null;
  /**
   * The clients' reverse DNS names over the daemon's resolver, shared by the listeners (one cache);
   * absent: a process-wide one over the system's resolvers; null: none looked up ("unknown").
   */
  reverseDns?: ReverseDns | null;
  /** How long the end of DATA may wait for the client's name, from the connection's start. */
  reverseDnsTimeoutMs?: number;
  closeTimeoutMs?: number;
}

/**
 * Defaults, per listener. 1000 clients with 20 per address (a busy sending MTA opens a
 * few, Postfix's default per-client limit is 50) and 50 per /24, so 50 addresses × 20
 * idle connections from one network hold 50 slots; from 50 networks it holds 900 and the
 * reserve of 100 stays for new clients.
 */
export const SMTP_LIMIT_DEFAULTS = {
  maxClients: 1000,
  maxConnectionsPerIp: 20,
  maxConnectionsPerPrefix: 50,
  reserveSlots: 100,
  seenMs: 10 * 60_000,
  probationMs: 15_000,
  socketTimeoutMs: 5 * 60_000,
  preauthTimeoutMs: 60_000,
  /**
   * 10 minutes carry the largest default message (policy maxMessageBytes) at well
   * under 1 Mbit/s; 1 KiB/s on average after 30 s is ~100 times below any real uplink,
   * and one byte every 5 s (0.2 B/s) is cut after 30 s.
   */
  dataLimits: { graceMs: 30_000, minBytesPerSecond: 1024, maxMs: 10 * 60_000 },
  closeTimeoutMs: 5_000,
  reverseDnsTimeoutMs: REVERSE_DNS_TIMEOUT_MS,
} satisfies Partial<ListenerConfig>;

let systemReverseDns: ReverseDns | null = null;
/** For listeners built without the daemon's resolver (the services pass theirs). */
function defaultReverseDns(): ReverseDns {
  return (systemReverseDns ??= new ReverseDns(createResolver()));
}


const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
const MAX_REFUSED_BEFORE_TLS = 10;
const JUNK_COMMANDS = new Set(['NOOP', 'RSET', 'VRFY', 'EXPN', 'HELP', 'ETRN']);
export const MAX_JUNK_COMMANDS = 100;
export const MAX_AUTH_FAILURES_PER_SESSION = 3;
const noop = () => {};

const connections = new WeakMap<SMTPServerSession, PosternConnection>();

function fail(reply: Reply): SmtpReplyError {
  return new SmtpReplyError(reply);
}

/** The smtp-server connection with Postern's wire-level rules added. */
class PosternConnection extends SMTPConnection {
  smtp: SmtpSession | null = null;
  /** RFC 3207 §4: everything but EHLO/HELO/NOOP/QUIT/STARTTLS gets 530 until TLS is up. */
  requireTls = false;
  slot: Slot | null = null;
  refusal: SlotRefusal | null = null;
  probationTimer: NodeJS.Timeout | null = null;
  /** Cut by a listener limit (slow DATA): the aborted message is not an internal error. */
  cut = false;
  private fullTimeout = false;
  private refusedBeforeTls = 0;
  /** Junk commands since the last accepted message (a long delivery session is not junk). */
  junk = 0;
  /** The client's reverse DNS name, asked for when the connection was accepted. */
  reverseName: ReverseName | null = null;

  constructor(server: PosternSmtpServer, socket: ConstructorParameters<typeof SMTPConnection>[1], options?: ConstructorParameters<typeof SMTPConnection>[2]) {
    super(server, socket, options);
    connections.set(this.session, this);
  }

  /**
   * smtp-server waits a fixed 100 ms before every greeting to catch clients that talk first,
   * which held a client that opens a connection per message to eight messages a second. The
   * greeting goes as soon as the connection is set up; a command sent before it still gets 421
   * "You talk too soon" (RFC 5321 §3.1: the client waits for the greeting).
   */
  override init(): void {
    this._setListeners(() => {
      // smtp-server's own bound, kept as the backstop behind the listener's slots.
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      this.connectionReady();
    });
  }

  /** The client started doing something: from now on RFC 5321's 5-minute command timeout. */
  active(): void {
    if (this.fullTimeout) return;
    this.fullTimeout = true;
    const server = this._server as PosternSmtpServer;
    server.options.socketTimeout = server.config.socketTimeoutMs;
    this._armTimeout();
  }

  /** Our replies carry their own enhanced status code; smtp-server adds one to the rest. */
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    super.send(code, data, typeof data === 'string' && ENHANCED.test(data) ? false : context);
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    const live = this._ready && !this._upgrading && !this._nextHandler && !this._closing;
    const name = live ? command.toString('latin1').trim().split(/\s/, 1)[0].toUpperCase() : '';
    // Postfix's smtpd_junk_command_limit: commands that move nothing forward are bounded per session.
    if (live && JUNK_COMMANDS.has(name) && ++this.junk > MAX_JUNK_COMMANDS) return this.send(TOO_MANY_ERRORS.code, replyText(TOO_MANY_ERRORS));
    if (live && this.requireTls && !this.secure) {
      if (!ALLOWED_BEFORE_TLS.has(name)) {
        if (++this.refusedBeforeTls >= MAX_REFUSED_BEFORE_TLS) return this.send(TOO_MANY_ERRORS.code, replyText(TOO_MANY_ERRORS));
        this.send(REPLY.MUST_STARTTLS.code, replyText(REPLY.MUST_STARTTLS));
        return this._whenWritable(callback ?? noop);
      }
    }
    super._onCommand(command, callback);
  }

  override handler_STARTTLS(command: Buffer, callback: () => void): void {
    const hasParams = command.toString('latin1').trim().split(/\s+/).length > 1;
    if (!hasParams && !this.secure && !(this._server as PosternSmtpServer).config.tls) {
      this.send(REPLY.TLS_NOT_AVAILABLE.code, replyText(REPLY.TLS_NOT_AVAILABLE));
      return callback();
    }
    super.handler_STARTTLS(command, callback);
  }
}

function preauthTimeout(config: ListenerConfig): number {
  const full = config.socketTimeoutMs ?? SMTP_LIMIT_DEFAULTS.socketTimeoutMs;
  return Math.min(config.preauthTimeoutMs ?? SMTP_LIMIT_DEFAULTS.preauthTimeoutMs, full);
}

function tlsFacts(socket: tls.TLSSocket, mode: TlsFacts['mode']): TlsFacts {
  const cipher = socket.getCipher();
  const bits = cipherBits(cipher.standardName || cipher.name);
  let clientCert: TlsFacts['clientCert'] = null;
  const peer = socket.getPeerCertificate?.();
  if (peer && peer.fingerprint256) clientCert = { subject: peer.subject ? Object.entries(peer.subject).map(([k, v]) => `${k}=${v}`).join(', ') : '', fingerprint: peer.fingerprint256 };
  return {
    version: socket.getProtocol() ?? cipher.version,
    cipher: cipher.name,
    standardName: cipher.standardName || cipher.name,
    bits,
    algBits: bits,
    mode,
    sni: typeof socket.servername === 'string' && socket.servername ? socket.servername : null,
    clientCert,
  };
}

export class PosternSmtpServer extends SMTPServer {
  readonly config: Required<Omit<ListenerConfig, 'tls' | 'filter' | 'reverseDns'>> & { tls: TlsProvider | null; filter: InboundFilter | null; reverseDns: ReverseDns | null };
  private readonly slots: ConnectionSlots;
  /** Connections that authenticated, for endSessions. */
  private readonly authenticated = new Set<PosternConnection>();
  private readonly proxied = new WeakMap<net.Socket, ProxyOutcome>();
  private unsubscribeTls: (() => void) | null = null;

  constructor(config: ListenerConfig) {
    const kind = config.kind;
    const service: TlsService = kind === 'mx' ? 'smtp' : 'submission';
    const tlsOptions: SMTPServerOptions = config.tls
      ? { ...(config.tls.serverOptions(service) as SMTPServerOptions), SNICallback: config.tls.sniCallback(service) }
      : {};
    super({
      ...tlsOptions,
      name: config.hostname,
      banner: 'Postern',
      secure: kind === 'submissions',
      hideSTARTTLS: !config.tls || kind === 'submissions',
      // RFC 6409 §4.3: submission authenticates; RFC 5321 MX offers no AUTH.
      disabledCommands: kind === 'mx' ? ['AUTH'] : [],
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: kind === 'mx',
      authRequiredMessage: replyText(REPLY.AUTH_REQUIRED),
      hideENHANCEDSTATUSCODES: false,
      hideDSN: false,
      hideREQUIRETLS: true,
      // Our slots (connect()) refuse first; smtp-server's own count only bounds sockets
      // still in their TLS handshake.
      maxClients: 2 * (config.maxClients ?? SMTP_LIMIT_DEFAULTS.maxClients),
      // Until a session is active (see PosternConnection.active) the short timeout applies,
      // to the implicit TLS handshake as well.
      socketTimeout: preauthTimeout(config),
      closeTimeout: config.closeTimeoutMs ?? SMTP_LIMIT_DEFAULTS.closeTimeoutMs,
      // RFC 4954 §4 lets AUTH lines reach 12288 octets; commands stay far shorter.
      maxCommandLength: 12_288,
      // smtp-server would ask the system's resolver, uncached, before the greeting; ours runs
      // beside the session (connect()) over the daemon's resolver.
      disableReverseLookup: true,
      logger: false,
    });
    this.config = {
      ...SMTP_LIMIT_DEFAULTS,
      proxy: null,
      ...config,
      filter: kind === 'mx' ? (config.filter ?? null) : null,
      reverseDns: config.reverseDns !== undefined ? config.reverseDns : defaultReverseDns(),
      preauthTimeoutMs: preauthTimeout(config),
    };
    const c = this.config;
    this.slots = new ConnectionSlots({
      maxTotal: c.maxClients,
      maxPerIp: c.maxConnectionsPerIp,
      maxPerPrefix: c.maxConnectionsPerPrefix,
      reserve: Math.min(c.reserveSlots, Math.floor(c.maxClients / 2)),
      seenMs: c.seenMs,
    });
    if (config.tls) {
      const provider = config.tls;
      // Every new handshake takes the current default context (rotated by mail-daemon/tls/rotation.ts when certificates change).
      this.unsubscribeTls = provider.onChange(() => this.secureContext.set('*', provider.secureContext(undefined, service)));
      this.secureContext.set('*', provider.secureContext(undefined, service));
    }
    // Handshake failures and dropped sockets are the peer's business: one line, no stack.
    this.on('error', (err: Error & { remoteAddress?: string; meta?: { remoteAddress?: string }; code?: string }) => {
      const ip = err.remoteAddress ?? err.meta?.remoteAddress ?? null;
      const tlsFailure = /TLS|SSL|handshake/i.test(`${err.code ?? ''} ${err.message}`);
      if (tlsFailure) this.config.log.info({ ip, listener: kind, reason: err.code ?? err.message, err: err.message }, 'smtp TLS handshake failed');
      else this.config.log.debug({ ip, listener: kind, err: err.message }, 'smtp connection error');
    });
    if (c.proxy) this.readProxyHeaders(c.proxy);
  }

  /**
   * PROXY protocol v2: smtp-server's useProxy speaks only v1, so the v2 header is read
   * here, off the raw socket, before smtp-server's own connection handler sees it (and
   * before the implicit TLS handshake of the submissions port). The real address then
   * rides in the socket options smtp-server hands to connect() (see _handleProxy), so the
   * session, its logs, relay rules and throttles, and our slots all see the client.
   */
  private readProxyHeaders(proxy: ProxyProtocolOptions): void {
    const handlers = this.server.listeners('connection') as ((socket: net.Socket) => void)[];
    this.server.removeAllListeners('connection');
    this.server.on('connection', (socket: net.Socket) => {
      socket.on('error', noop);
      const peer = normalizeIp(socket.remoteAddress);
      void readProxyHeader(socket, proxy).then((outcome) => {
        if (!outcome.ok) {
          this.config.log.info({ peer, listener: this.config.kind, reason: outcome.reason }, 'smtp connection dropped: PROXY header refused');
          socket.destroy();
          return;
        }
        if (outcome.proxied) this.proxied.set(socket, outcome);
        for (const handler of handlers) handler.call(this.server, socket);
      });
    });
  }

  override _handleProxy(socket: net.Socket, callback: Parameters<SMTPServer['_handleProxy']>[1]): void {
    if (!this.options.useProxy) {
      // smtp-server's PROXY v1 is never on (v2 was read above, before this): its connection id at
      // once, where smtp-server hands it over a setImmediate later — nothing comes before the greeting.
      const id = BigInt('0x' + randomBytes(10).toString('hex')).toString(32).padStart(16, '0');
      const proxied = this.proxied.get(socket);
      return callback(null, proxied?.ok ? { id, remoteAddress: proxied.remoteAddress, remotePort: proxied.remotePort } : { id });
    }
    super._handleProxy(socket, (err, options) => {
      const proxied = this.proxied.get(socket);
      if (proxied?.ok && options) Object.assign(options, { remoteAddress: proxied.remoteAddress, remotePort: proxied.remotePort });
      callback(err, options);
    });
  }

  override connect(socket: ConstructorParameters<typeof SMTPConnection>[1], socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]): void {
    // Replies are whole lines written once each: Nagle's algorithm would only hold a reply back
    // until the client's delayed ACK of the previous one (RFC 896 meets pipelining, RFC 2920).
    socket.setNoDelay(true);
    const connection = new PosternConnection(this, socket, socketOptions);
    // Counted from the first moment, before anything is asked of DNS.
    const admission = this.slots.acquire(connection.remoteAddress, this.config.kind !== 'mx');
    if (admission.ok) connection.slot = admission.slot;
    else connection.refusal = admission.reason;
    // The client's name is asked for now and awaited only where it is written (end of DATA);
    // the greeting never waits for it. A refused connection asks nothing.
    if (admission.ok && this.config.reverseDns) {
      const reverse = this.config.reverseDns.lookup(normalizeIp(connection.remoteAddress), this.config.reverseDnsTimeoutMs);
      connection.reverseName = reverse;
      // EHLO's "Nice to meet you, <name>" as smtp-server wrote it, once the name is known ([ip] until then).
      void reverse.ready.then((name) => {
        if (name && !connection._closed) connection._setClientHostname(name);
      });
    }
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data: unknown) => (this as unknown as { _onClientConnect(d: unknown): void })._onClientConnect(data));
    connection.init();
  }

  private conn(session: SMTPServerSession): PosternConnection {
    const c = connections.get(session);
    if (!c) throw new Error('unknown SMTP session');
    return c;
  }

  override onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = this.conn(session);
    const ip = normalizeIp(session.remoteAddress);
    if (conn.refusal) {
      const reason = conn.refusal;
      this.config.log.warn({ session: session.id, ip, listener: this.config.kind, reason, connections: this.slots.size }, 'smtp connection refused: listener limit');
      return callback(fail(reason === 'per-ip' ? REPLY.TOO_MANY_CONNECTIONS : reason === 'per-prefix' ? REPLY.NETWORK_LIMIT : REPLY.LISTENER_FULL));
    }
    if (conn.slot?.probation) {
      // A seen address let into the reserve: it gets the slot for as long as it takes to authenticate.
      conn.probationTimer = setTimeout(() => {
        if (!conn.slot?.probation) return;
        this.config.log.info({ session: session.id, ip, listener: this.config.kind }, 'smtp reserve slot: not authenticated in time');
        conn.send(REPLY.AUTH_TOO_SLOW.code, replyText(REPLY.AUTH_TOO_SLOW));
        conn.close();
      }, this.config.probationMs);
      conn.probationTimer.unref();
    }
    const smtp = new SmtpSession(
      { backend: this.config.backend, hostname: this.config.hostname, log: this.config.log, filter: this.config.filter },
      { id: session.id, listener: this.config.kind, clientIp: ip, clientPort: session.remotePort },
    );
    smtp.reverseName = conn.reverseName;
    smtp
      .open()
      .then(async () => {
        // RFC 5782 at connect, for strangers only (the session's filter is null for the relay networks).
        return smtp.filter?.connect(ip, smtp.policy) ?? null;
      })
      .then(
        (verdict) => {
          if (verdict && verdict.action !== 'continue') {
            this.config.log.info({ session: session.id, ip, listener: this.config.kind, reason: verdict.reason }, 'smtp connection refused');
            return callback(fail(verdict.reply));
          }
          conn.smtp = smtp;
          const policy = smtp.policy;
          const submission = this.config.kind !== 'mx';
          conn.requireTls = !!this.config.tls && (submission ? !policy.allowCleartextAuth : policy.requireTlsMx);
          // This session's view of the server options: the policy snapshot it runs under
          // (SIZE advertised and enforced, cleartext AUTH), without touching other sessions.
          const options = { ...this.options, size: policy.maxMessageBytes, allowInsecureAuth: submission && policy.allowCleartextAuth };
          conn._server = Object.create(this, { options: { value: options } }) as PosternSmtpServer;
          conn._armTimeout();
          // RFC 4954 §4 / RFC 8314: AUTH is neither offered nor accepted before TLS.
          if (submission && !conn.secure && !policy.allowCleartextAuth) session.disabledCommands = ['AUTH'];
          callback();
        },
        (err: Error) => {
          this.config.log.error({ err: err.message, listener: this.config.kind }, 'smtp session setup failed');
          callback(fail(REPLY.SERVICE_UNAVAILABLE));
        },
      );
  }

  override onSecure(socket: tls.TLSSocket, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = this.conn(session);
    // A client that hung up right after its handshake leaves a socket with no cipher to
    // describe: the session ends here (the reply goes nowhere).
    if (!socket.getCipher()) return callback(fail(REPLY.SERVICE_UNAVAILABLE));
    // No client-initiated renegotiation (Node allows 3 per 10 minutes by default): a
    // renegotiation costs the server a handshake and buys the client nothing.
    refuseRenegotiation(socket);
    conn.smtp?.secured(tlsFacts(socket, this.config.kind === 'submissions' ? 'implicit' : 'starttls'));
    if (this.config.kind !== 'mx') session.disabledCommands = [];
    callback();
  }

  override onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void): void {
    const smtp = this.conn(session).smtp;
    if (!smtp || this.config.kind === 'mx') return callback(fail(REPLY.AUTH_INVALID));
    // Beside the shared per-IP/per-account throttle: a session gets a few tries, then goes.
    if (smtp.authFailures >= MAX_AUTH_FAILURES_PER_SESSION) return callback(fail(TOO_MANY_AUTH_FAILURES));
    const a = auth as SMTPServerAuthentication & { authzid?: string; authcid?: string };
    smtp
      .auth(auth.username ?? '', auth.password ?? '', a.authzid && a.authcid ? a.authzid : '')
      .then((r) => {
        if (!r.ok) return callback(fail(r.reply));
        const conn = this.conn(session);
        conn.slot?.authenticated();
        conn.active();
        this.authenticated.add(conn);
        callback(null, { user: smtp.user!.address });
      })
      .catch((err: Error) => this.internal(err, 'auth', callback));
  }

  override onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const smtp = this.conn(session).smtp;
    if (!smtp) return callback(fail(REPLY.LOCAL_ERROR));
    smtp.greeted(session.hostNameAppearsAs || '', session.openingCommand !== 'HELO');
    const size = Number(((address.args || {}) as Record<string, string>).SIZE);
    smtp
      .mail(address.address, Number.isFinite(size) && size > 0 ? size : null, mailDsn(session), { smtpUtf8: session.envelope.smtpUtf8 === true })
      .then((r) => {
        if (r.ok && this.config.kind === 'mx') this.conn(session).active();
        callback(r.ok ? null : fail(r.reply));
      })
      .catch((err: Error) => this.internal(err, 'mail', callback));
  }

  override onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const smtp = this.conn(session).smtp;
    if (!smtp) return callback(fail(REPLY.LOCAL_ERROR));
    smtp
      .rcpt(address.address, { notify: address.dsn?.notify ?? null, orcpt: address.dsn?.orcpt ?? null })
      .then((r) => callback(r.ok ? null : fail(r.reply)))
      .catch((err: Error) => this.internal(err, 'rcpt', callback));
  }

  override onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const conn = this.conn(session);
    const smtp = conn.smtp;
    if (!smtp) {
      stream.resume();
      return callback(fail(REPLY.LOCAL_ERROR));
    }
    this.watchData(conn, stream);
    smtp
      .data(stream)
      .then((r) => {
        if (!r.ok) return callback(fail(r.reply));
        this.conn(session).junk = 0;
        callback(null, REPLY.queued(r.queueId).text);
      })
      .catch((err: Error) => {
        stream.resume();
        if (conn.cut) return callback(fail(REPLY.DATA_TOO_SLOW));
        this.internal(err, 'data', callback);
      });
  }

  /**
   * Slowloris: the idle timeout resets on every byte, so DATA gets its own bound, counted
   * on the socket (the message stream belongs to the session) until the final dot.
   */
  private watchData(conn: PosternConnection, stream: SMTPServerDataStream): void {
    const socket = conn._socket;
    const watch = new TransferWatch(this.config.dataLimits, (violation, facts) => {
      const reply = violation === 'too-slow' ? REPLY.DATA_TOO_SLOW : REPLY.DATA_TOO_LONG;
      this.config.log.info({ session: conn.session.id, ip: conn.remoteAddress, listener: this.config.kind, violation, ...facts }, 'smtp DATA cut');
      conn.cut = true;
      conn.send(reply.code, replyText(reply));
      conn.close();
      stop();
    });
    const count = (chunk: Buffer) => watch.add(chunk.length);
    const stop = () => {
      watch.stop();
      socket.off('data', count);
    };
    socket.on('data', count);
    stream.once('end', stop);
    stream.once('close', stop);
    socket.once('close', stop);
  }

  override onClose(session: SMTPServerSession): void {
    const conn = connections.get(session);
    if (!conn) return;
    this.authenticated.delete(conn);
    conn.slot?.release();
    conn.slot = null;
    if (conn.probationTimer) clearTimeout(conn.probationTimer);
    conn.smtp?.close();
    conn.smtp = null;
  }

  /** Connections currently counted for an address (tests, status). */
  connectionsFrom(ip: string): number {
    return this.slots.from(ip);
  }

  /** A bug or a database error: log it, answer 451, never leak it to the client. */
  private internal(err: Error, stage: string, callback: (err?: Error | null) => void): void {
    this.config.log.error({ err: err.message, stage, listener: this.config.kind }, 'smtp handler failed');
    callback(fail(REPLY.LOCAL_ERROR));
  }

  /**
   * A mailbox's credential changed (the directory channel's notice, mail-daemon/services/smtp.ts):
   * the sessions that authenticated with it — the mailbox password when `appPasswordId` is null,
   * else that app password — get 421 4.7.0 and are closed. Returns how many.
   */
  endSessions(mailboxId: string, appPasswordId: string | null): number {
    let ended = 0;
    for (const conn of this.authenticated) {
      const user = conn.smtp?.user;
      if (!user || user.mailboxId !== mailboxId || (user.appPasswordId ?? null) !== appPasswordId) continue;
      conn.send(REPLY.CREDENTIALS_CHANGED.code, replyText(REPLY.CREDENTIALS_CHANGED));
      conn.close();
      ended++;
    }
    return ended;
  }

  async shutdown(): Promise<void> {
    this.unsubscribeTls?.();
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }
}

/** RFC 3461 RET and ENVID as smtp-server parsed them from MAIL FROM. */
function mailDsn(session: SMTPServerSession): MailDsn {
  const dsn = session.envelope.dsn;
  const ret = dsn?.ret === 'FULL' || dsn?.ret === 'HDRS' ? dsn.ret : null;
  return { ret, envid: dsn?.envid ?? null };
}
