import net from 'node:net';
import tls from 'node:tls';
import { dotStuff, mailCommand, rcptCommand, type Envelope } from './smtp-envelope';
import { ReplyReader, SmtpError, type SmtpReply } from './smtp-reply';
import { openSocket, tlsInfo, upgradeSocket, type SocketOptions, type TlsInfo } from './smtp-socket';

// The SMTP client side of RFC 5321, by hand on node:net/node:tls. Written here rather
// than on nodemailer because the transport must see the TLS facts (protocol, cipher,
// the peer's certificate chain for DANE and MTA-STS) and decide on them after the
// handshake and before any envelope is sent; nodemailer's SMTPConnection keeps its
// socket to itself and verifies (or not) on its own terms. This file holds the dialogue
// (EHLO, STARTTLS, AUTH, the transaction); the socket and its TLS facts are smtp-socket.ts,
// the reply framing smtp-reply.ts, the MAIL/RCPT parameters and dot-stuffing smtp-envelope.ts.

/** RFC 5321 §4.5.3.2 timeouts, in milliseconds. */
export interface SmtpTimeouts {
  /** Not in RFC 5321: how long a TCP (or implicit TLS) connection may take to open. */
  connect: number;
  /** §4.5.3.2.1 initial 220 message: 5 minutes. */
  greeting: number;
  /** EHLO, STARTTLS and the TLS handshake, AUTH, RSET, QUIT: as MAIL, 5 minutes. */
  command: number;
  /** §4.5.3.2.2 MAIL: 5 minutes. */
  mail: number;
  /** §4.5.3.2.3 RCPT: 5 minutes. */
  rcpt: number;
  /** §4.5.3.2.4 DATA initiation: 2 minutes. */
  dataInit: number;
  /** §4.5.3.2.5 data block: 3 minutes for each write to drain. */
  dataBlock: number;
  /** §4.5.3.2.6 DATA termination (the reply to "."): 10 minutes. */
  dataEnd: number;
}

export const RFC5321_TIMEOUTS: SmtpTimeouts = {
  connect: 30_000,
  greeting: 300_000,
  command: 300_000,
  mail: 300_000,
  rcpt: 300_000,
  dataInit: 120_000,
  dataBlock: 180_000,
  dataEnd: 600_000,
};

export interface ConnectOptions extends SocketOptions {
  timeouts?: Partial<SmtpTimeouts>;
}

/** Replies to one transaction; null where the command was not sent or got no reply. */
export interface TransactionReplies {
  mail: SmtpReply | null;
  rcpt: Array<SmtpReply | null>;
  /** The reply to DATA (354 or a refusal). */
  data: SmtpReply | null;
  /** The reply after the terminating ".". */
  final: SmtpReply | null;
  /** Set when the connection broke or timed out during the transaction. */
  error: SmtpError | null;
}

export class SmtpClient {
  greeting!: SmtpReply;
  /** EHLO keywords (uppercase) → their parameters. Empty after HELO. */
  extensions = new Map<string, string>();
  tls: TlsInfo | null = null;
  /** The address and port connected to. */
  readonly remote: { host: string; port: number };

  private socket: net.Socket;
  private readonly timeouts: SmtpTimeouts;
  private readonly opts: ConnectOptions;
  private readonly replies = new ReplyReader(() => this.socket.destroy());
  private onData = (chunk: Buffer) => this.replies.feed(chunk);
  private onError = (err: Error) => this.replies.fail(new SmtpError('closed', `connection error: ${err.message}`));
  private onClose = () => this.replies.fail(new SmtpError('closed', 'connection closed by the server'));

  private constructor(socket: net.Socket, opts: ConnectOptions, timeouts: SmtpTimeouts) {
    this.socket = socket;
    this.opts = opts;
    this.timeouts = timeouts;
    this.remote = { host: opts.host, port: opts.port };
    this.attach(socket);
  }

  /** Opens the connection and reads the greeting (any code; the caller judges it). */
  static async connect(opts: ConnectOptions): Promise<SmtpClient> {
    const timeouts = { ...RFC5321_TIMEOUTS, ...opts.timeouts };
    const socket = await openSocket(opts, timeouts.connect);
    const client = new SmtpClient(socket, opts, timeouts);
    if (opts.implicitTls) client.tls = tlsInfo(socket as tls.TLSSocket, opts.servername);
    try {
      client.greeting = await client.expect(timeouts.greeting);
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  get closed(): boolean {
    return this.replies.failure !== null || this.socket.destroyed;
  }

  /** RFC 5321 §4.1.1.1: EHLO, and HELO when the server does not know EHLO. */
  async ehlo(name: string): Promise<SmtpReply> {
    const reply = await this.command(`EHLO ${name}`, this.timeouts.command);
    this.extensions = new Map();
    if (reply.code === 250) {
      for (const line of reply.lines.slice(1)) {
        const [keyword, ...params] = line.trim().split(/\s+/);
        if (keyword) this.extensions.set(keyword.toUpperCase(), params.join(' '));
      }
      return reply;
    }
    if (reply.code >= 500 && reply.code < 600) return this.command(`HELO ${name}`, this.timeouts.command);
    return reply;
  }

  has(extension: string): boolean {
    return this.extensions.has(extension);
  }

  /** RFC 1870: the SIZE the server announced; 0 when it announced no limit or none at all. */
  get maxSize(): number {
    const v = Number(this.extensions.get('SIZE') ?? 0);
    return Number.isFinite(v) && v > 0 ? v : 0;
  }

  /**
   * RFC 3207: STARTTLS and the handshake. Returns the reply to STARTTLS; on 220 the
   * connection is TLS afterwards (this.tls set), and the caller must EHLO again (§4.2).
   * The handshake never rejects a certificate: the caller judges this.tls.
   */
  async startTls(): Promise<SmtpReply> {
    const reply = await this.command('STARTTLS', this.timeouts.command);
    if (reply.code !== 220) return reply;
    // RFC 3207 §5 / the STARTTLS injection attacks: anything the server sent after its
    // 220 and before the handshake was not protected and must not be read as a reply.
    if (this.replies.pending) {
      this.replies.fail(new SmtpError('protocol', 'the server sent data after 220 to STARTTLS, before TLS'));
      throw this.replies.failure;
    }
    const plain = this.socket;
    this.detach(plain);
    const secure = await upgradeSocket(plain, this.opts, this.timeouts.command).catch((err: SmtpError) => {
      this.replies.failure = err;
      throw err;
    });
    this.socket = secure;
    this.attach(secure);
    this.tls = tlsInfo(secure, this.opts.servername);
    this.extensions = new Map();
    return reply;
  }

  /** RFC 4954 AUTH with PLAIN (RFC 4616) or LOGIN, only on a TLS connection. */
  async auth(username: string, password: string): Promise<SmtpReply> {
    if (!this.tls) throw new SmtpError('protocol', 'refusing to AUTH over a cleartext connection');
    const methods = (this.extensions.get('AUTH') ?? '').toUpperCase().split(/\s+/);
    if (methods.includes('PLAIN') || !methods.includes('LOGIN')) {
      const token = Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
      const reply = await this.command(`AUTH PLAIN ${token}`, this.timeouts.command);
      return reply;
    }
    let reply = await this.command('AUTH LOGIN', this.timeouts.command);
    if (reply.code !== 334) return reply;
    reply = await this.command(Buffer.from(username, 'utf8').toString('base64'), this.timeouts.command);
    if (reply.code !== 334) return reply;
    return this.command(Buffer.from(password, 'utf8').toString('base64'), this.timeouts.command);
  }

  /** MAIL, RCPT…, DATA, the message; pipelined (RFC 2920) when the server offers it. Never throws. */
  async send(envelope: Envelope): Promise<TransactionReplies> {
    const result: TransactionReplies = { mail: null, rcpt: envelope.recipients.map(() => null), data: null, final: null, error: null };
    try {
      const mailCmd = mailCommand(envelope, (x) => this.has(x));
      const rcptCmds = envelope.recipients.map((r) => rcptCommand(r, (x) => this.has(x)));
      if (this.has('PIPELINING')) {
        // RFC 2920 §3.1: MAIL, the RCPTs and DATA in one group, DATA last.
        const mailP = this.expect(this.timeouts.mail);
        const rcptP = rcptCmds.map(() => this.expect(this.timeouts.rcpt));
        const dataP = this.expect(this.timeouts.dataInit);
        // Settle every promise so a failure in one does not leave the others unhandled.
        const all = [mailP, ...rcptP, dataP];
        all.forEach((p) => p.catch(() => {}));
        this.write([mailCmd, ...rcptCmds, 'DATA'].map((c) => `${c}\r\n`).join(''));
        result.mail = await mailP;
        for (let i = 0; i < rcptP.length; i++) result.rcpt[i] = await rcptP[i];
        result.data = await dataP;
        if (result.data.code === 354) {
          const accepted = result.mail.code < 300 && result.rcpt.some((r) => r && r.code < 300);
          // RFC 2920 §3.1: a 354 with no accepted recipient gets an empty message, ended at once.
          if (!accepted) {
            result.final = await this.command('.', this.timeouts.dataEnd);
            return result;
          }
        }
      } else {
        result.mail = await this.command(mailCmd, this.timeouts.mail);
        if (result.mail.code >= 300) return result;
        for (let i = 0; i < rcptCmds.length; i++) result.rcpt[i] = await this.command(rcptCmds[i], this.timeouts.rcpt);
        if (!result.rcpt.some((r) => r && r.code < 300)) return result;
        result.data = await this.command('DATA', this.timeouts.dataInit);
      }
      if (result.data.code !== 354 || result.mail.code >= 300 || !result.rcpt.some((r) => r && r.code < 300)) return result;
      const finalP = this.expect(this.timeouts.dataEnd);
      finalP.catch(() => {});
      await this.writeData(Buffer.concat([dotStuff(envelope.raw), Buffer.from('.\r\n')]));
      result.final = await finalP;
    } catch (err) {
      result.error = err instanceof SmtpError ? err : new SmtpError('protocol', String(err));
      this.close();
    }
    return result;
  }

  /** RFC 5321 §4.1.1.5: RSET, before another transaction on the same connection. */
  rset(): Promise<SmtpReply> {
    return this.command('RSET', this.timeouts.command);
  }

  /** RFC 5321 §4.1.1.10: QUIT, then close, whatever the server answers. */
  async quit(): Promise<void> {
    if (this.closed) return this.close();
    try {
      await this.command('QUIT', Math.min(this.timeouts.command, 10_000));
    } catch {
      // the server may close first
    }
    this.close();
  }

  close(): void {
    this.replies.fail(new SmtpError('closed', 'connection closed by us'));
  }

  private async command(line: string, timeoutMs: number): Promise<SmtpReply> {
    const p = this.expect(timeoutMs);
    p.catch(() => {});
    this.write(`${line}\r\n`);
    return p;
  }

  private expect(timeoutMs: number): Promise<SmtpReply> {
    return this.replies.next(timeoutMs);
  }

  private write(data: string): void {
    if (this.replies.failure) return;
    this.socket.write(data);
  }

  private async writeData(data: Buffer): Promise<void> {
    if (this.replies.failure) throw this.replies.failure;
    if (this.socket.write(data)) return;
    // §4.5.3.2.5: each block must be taken within the data block timeout.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.fail(new SmtpError('timeout', 'data block not taken in time'));
        reject(this.replies.failure);
      }, this.timeouts.dataBlock);
      this.socket.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private attach(s: net.Socket): void {
    s.on('data', this.onData);
    s.on('error', this.onError);
    s.on('close', this.onClose);
  }

  private detach(s: net.Socket): void {
    s.off('data', this.onData);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }
}
