import type tls from 'node:tls';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerAuthenticationResponse, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Logger } from '@/lib/log';
import type { TlsProvider, TlsService } from '../tls';
import type { ListenerKind, SmtpBackend } from './backend';
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
  maxClients?: number;
  /** RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command. */
  socketTimeoutMs?: number;
  closeTimeoutMs?: number;
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
  countedIp: string | null = null;
  private refusedBeforeTls = 0;
  /** Junk commands since the last accepted message (a long delivery session is not junk). */
  junk = 0;

  constructor(server: PosternSmtpServer, socket: ConstructorParameters<typeof SMTPConnection>[1], options?: ConstructorParameters<typeof SMTPConnection>[2]) {
    super(server, socket, options);
    connections.set(this.session, this);
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
  readonly config: Required<Omit<ListenerConfig, 'tls'>> & { tls: TlsProvider | null };
  private readonly perIp = new Map<string, number>();
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
      maxClients: config.maxClients ?? 1000,
      socketTimeout: config.socketTimeoutMs ?? 5 * 60_000,
      closeTimeout: config.closeTimeoutMs ?? 5_000,
      // RFC 4954 §4 lets AUTH lines reach 12288 octets; commands stay far shorter.
      maxCommandLength: 12_288,
      logger: false,
    });
    this.config = {
      maxConnectionsPerIp: 20,
      maxClients: 1000,
      socketTimeoutMs: 5 * 60_000,
      closeTimeoutMs: 5_000,
      ...config,
    };
    if (config.tls) {
      const provider = config.tls;
      // Every new handshake takes the current default context (rotated by mail-daemon/tls/rotation.ts when certificates change).
      this.unsubscribeTls = provider.onChange(() => this.secureContext.set('*', provider.secureContext(undefined, service)));
      this.secureContext.set('*', provider.secureContext(undefined, service));
    }
    this.on('error', (err: Error) => this.config.log.debug({ err: err.message, listener: kind }, 'smtp connection error'));
  }

  override connect(socket: ConstructorParameters<typeof SMTPConnection>[1], socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]): void {
    const connection = new PosternConnection(this, socket, socketOptions);
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
    const ip = session.remoteAddress;
    const count = (this.perIp.get(ip) ?? 0) + 1;
    this.perIp.set(ip, count);
    conn.countedIp = ip;
    if (count > this.config.maxConnectionsPerIp) {
      this.config.log.warn({ session: session.id, ip, listener: this.config.kind, connections: count - 1 }, 'smtp connection refused: per-IP limit');
      return callback(fail(REPLY.TOO_MANY_CONNECTIONS));
    }
    const smtp = new SmtpSession(
      { backend: this.config.backend, hostname: this.config.hostname, log: this.config.log },
      { id: session.id, listener: this.config.kind, clientIp: ip, clientPort: session.remotePort },
    );
    smtp.clientName = session.clientHostname && !session.clientHostname.startsWith('[') ? session.clientHostname : null;
    smtp.open().then(
      () => {
        conn.smtp = smtp;
        const policy = smtp.policy;
        const submission = this.config.kind !== 'mx';
        conn.requireTls = !!this.config.tls && (submission ? !policy.allowCleartextAuth : policy.requireTlsMx);
        // This session's view of the server options: the policy snapshot it runs under
        // (SIZE advertised and enforced, cleartext AUTH), without touching other sessions.
        const options = { ...this.options, size: policy.maxMessageBytes, allowInsecureAuth: submission && policy.allowCleartextAuth };
        conn._server = Object.create(this, { options: { value: options } }) as PosternSmtpServer;
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
      .then((r) => (r.ok ? callback(null, { user: smtp.user!.address }) : callback(fail(r.reply))))
      .catch((err: Error) => this.internal(err, 'auth', callback));
  }

  override onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const smtp = this.conn(session).smtp;
    if (!smtp) return callback(fail(REPLY.LOCAL_ERROR));
    smtp.greeted(session.hostNameAppearsAs || '', session.openingCommand !== 'HELO');
    const size = Number(((address.args || {}) as Record<string, string>).SIZE);
    smtp
      .mail(address.address, Number.isFinite(size) && size > 0 ? size : null, mailDsn(session))
      .then((r) => callback(r.ok ? null : fail(r.reply)))
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
    const smtp = this.conn(session).smtp;
    if (!smtp) {
      stream.resume();
      return callback(fail(REPLY.LOCAL_ERROR));
    }
    smtp
      .data(stream)
      .then((r) => {
        if (!r.ok) return callback(fail(r.reply));
        this.conn(session).junk = 0;
        callback(null, REPLY.queued(r.queueId).text);
      })
      .catch((err: Error) => {
        stream.resume();
        this.internal(err, 'data', callback);
      });
  }

  override onClose(session: SMTPServerSession): void {
    const conn = connections.get(session);
    if (!conn) return;
    if (conn.countedIp) {
      const left = (this.perIp.get(conn.countedIp) ?? 1) - 1;
      if (left > 0) this.perIp.set(conn.countedIp, left);
      else this.perIp.delete(conn.countedIp);
      conn.countedIp = null;
    }
    conn.smtp?.close();
    conn.smtp = null;
  }

  /** Connections currently counted for an address (tests, status). */
  connectionsFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  /** A bug or a database error: log it, answer 451, never leak it to the client. */
  private internal(err: Error, stage: string, callback: (err?: Error | null) => void): void {
    this.config.log.error({ err: err.message, stage, listener: this.config.kind }, 'smtp handler failed');
    callback(fail(REPLY.LOCAL_ERROR));
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
