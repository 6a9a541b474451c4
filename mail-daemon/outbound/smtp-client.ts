import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { peerChain } from './dane';

// The SMTP client side of RFC 5321, by hand on node:net/node:tls. Written here rather
// than on nodemailer because the transport must see the TLS facts (protocol, cipher,
// the peer's certificate chain for DANE and MTA-STS) and decide on them after the
// handshake and before any envelope is sent; nodemailer's SMTPConnection keeps its
// socket to itself and verifies (or not) on its own terms.

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

/** RFC 5321 §4.5.3.1.5 says 512 octets per reply line; we read up to this much and cut the rest. */
export const MAX_REPLY_LINE = 4096;
/** Lines in one multi-line reply before we call the peer broken. */
export const MAX_REPLY_LINES = 200;

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code from the first line (RFC 2034), when present. */
  enhanced: string | null;
  /** The text of all lines, joined by a space (enhanced code kept). */
  text: string;
  lines: string[];
}

export type SmtpErrorKind = 'connect' | 'timeout' | 'closed' | 'protocol' | 'tls';

export class SmtpError extends Error {
  constructor(
    readonly kind: SmtpErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

export interface TlsInfo {
  protocol: string | null;
  cipher: string | null;
  /** The chain verified to one of our trust anchors (node's `authorized`). */
  authorized: boolean;
  authorizationError: string | null;
  /** Leaf first. */
  chain: X509Certificate[];
  /** tls.checkServerIdentity against the name we connected for; null when it passes. */
  identityError: string | null;
}

export interface ConnectOptions {
  /** The address to connect to (an IP, or a name resolved by the OS for smarthosts). */
  host: string;
  port: number;
  /** The MX (or smarthost) name: SNI and the reference identity for the certificate. */
  servername: string;
  /** RFC 8314 §3: TLS from the first byte. */
  implicitTls?: boolean;
  /** Trust anchors for PKIX verification (default: node's root store). */
  ca?: string[];
  timeouts?: Partial<SmtpTimeouts>;
}

export interface Envelope {
  /** '' is the null reverse-path. */
  from: string;
  recipients: Array<{ address: string; notify?: string[] | null; orcpt?: string | null }>;
  raw: Buffer;
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
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

interface Waiter {
  resolve: (r: SmtpReply) => void;
  reject: (e: SmtpError) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

/** RFC 5321 §4.5.2 dot-stuffing, with every line ending made CRLF (§2.3.8) and a final CRLF. */
export function dotStuff(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length * 2 + 3);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0x0d || c === 0x0a) {
      // CRLF, bare LF and bare CR all end a line.
      if (c === 0x0d && raw[i + 1] === 0x0a) i++;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      lineStart = true;
      continue;
    }
    if (lineStart && c === 0x2e) out[o++] = 0x2e;
    out[o++] = c;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return out.subarray(0, o);
}

/** RFC 3461 §4: xtext; a value already in xtext form (as received) is passed as is. */
export function xtext(value: string): string {
  if (/^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte >= 33 && byte <= 126 && byte !== 0x2b && byte !== 0x3d ? String.fromCharCode(byte) : `+${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
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
  private buffer = '';
  private discarding = false;
  private lines: string[] = [];
  private replies: SmtpReply[] = [];
  private waiters: Waiter[] = [];
  private failure: SmtpError | null = null;
  private onData = (chunk: Buffer) => this.feed(chunk);
  private onError = (err: Error) => this.fail(new SmtpError('closed', `connection error: ${err.message}`));
  private onClose = () => this.fail(new SmtpError('closed', 'connection closed by the server'));

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
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = opts.implicitTls
        ? tls.connect({ host: opts.host, port: opts.port, ...tlsOptions(opts) })
        : net.connect({ host: opts.host, port: opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new SmtpError('connect', `connection to ${opts.host}:${opts.port} timed out`));
      }, timeouts.connect);
      s.once(opts.implicitTls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      // With implicit TLS, an error after the TCP connect is a failed handshake.
      let tcpUp = false;
      if (opts.implicitTls) s.once('connect', () => (tcpUp = true));
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(
          tcpUp
            ? new SmtpError('tls', `TLS handshake with ${opts.host}:${opts.port} failed: ${err.message}`)
            : new SmtpError('connect', `connection to ${opts.host}:${opts.port} failed: ${err.code ?? err.message}`),
        );
      });
    });
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
    return this.failure !== null || this.socket.destroyed;
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
    if (this.buffer.length || this.lines.length || this.replies.length) {
      this.fail(new SmtpError('protocol', 'the server sent data after 220 to STARTTLS, before TLS'));
      throw this.failure;
    }
    const plain = this.socket;
    this.detach(plain);
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, ...tlsOptions(this.opts) });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new SmtpError('timeout', 'TLS handshake timed out'));
      }, this.timeouts.command);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        s.destroy();
        reject(new SmtpError('tls', `TLS handshake failed: ${err.message}`));
      });
    }).catch((err: SmtpError) => {
      this.failure = err;
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
      const mailCmd = this.mailCommand(envelope);
      const rcptCmds = envelope.recipients.map((r) => this.rcptCommand(r));
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
    if (!this.failure) this.failure = new SmtpError('closed', 'connection closed by us');
    this.socket.destroy();
    this.rejectAll(this.failure);
  }

  private mailCommand(e: Envelope): string {
    checkPath(e.from);
    let cmd = `MAIL FROM:<${e.from}>`;
    // RFC 1870 §6: SIZE= the size of the message as sent (before dot-stuffing is fine).
    if (this.has('SIZE')) cmd += ` SIZE=${e.raw.length}`;
    // RFC 6152: declare 8-bit content when the server takes it.
    if (this.has('8BITMIME') && e.raw.some((b) => b > 0x7f)) cmd += ' BODY=8BITMIME';
    // RFC 6531 §3.4: SMTPUTF8 when an address is not ASCII.
    if (this.has('SMTPUTF8') && [e.from, ...e.recipients.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a))) cmd += ' SMTPUTF8';
    // RFC 3461 §4.3, §4.4: RET and ENVID only to a server that offers DSN.
    if (this.has('DSN')) {
      if (e.ret) cmd += ` RET=${e.ret}`;
      if (e.envid) cmd += ` ENVID=${xtext(e.envid)}`;
    }
    return cmd;
  }

  private rcptCommand(r: Envelope['recipients'][number]): string {
    checkPath(r.address);
    let cmd = `RCPT TO:<${r.address}>`;
    // RFC 3461 §4.1, §4.2: NOTIFY and ORCPT only to a server that offers DSN.
    if (this.has('DSN')) {
      if (r.notify?.length) cmd += ` NOTIFY=${r.notify.map((n) => n.toUpperCase()).join(',')}`;
      if (r.orcpt) cmd += ` ORCPT=${xtext(r.orcpt)}`;
    }
    return cmd;
  }

  private async command(line: string, timeoutMs: number): Promise<SmtpReply> {
    const p = this.expect(timeoutMs);
    p.catch(() => {});
    this.write(`${line}\r\n`);
    return p;
  }

  /** A promise for the next reply; queued replies (a 421 sent unasked) are handed out first. */
  private expect(timeoutMs: number): Promise<SmtpReply> {
    if (this.replies.length) return Promise.resolve(this.replies.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject, timeoutMs };
      this.waiters.push(w);
      if (this.waiters.length === 1) this.arm(w);
    });
  }

  private arm(w: Waiter): void {
    w.timer = setTimeout(() => this.fail(new SmtpError('timeout', `no reply within ${w.timeoutMs} ms`)), w.timeoutMs);
  }

  private write(data: string): void {
    if (this.failure) return;
    this.socket.write(data);
  }

  private async writeData(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.socket.write(data)) return;
    // §4.5.3.2.5: each block must be taken within the data block timeout.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new SmtpError('timeout', 'data block not taken in time'));
        reject(this.failure);
      }, this.timeouts.dataBlock);
      this.socket.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private feed(chunk: Buffer): void {
    // latin1 keeps every byte one char, so a broken UTF-8 sequence cannot hurt the framing.
    let text = chunk.toString('latin1');
    while (text.length) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        if (!this.discarding) {
          this.buffer += text;
          if (this.buffer.length > MAX_REPLY_LINE) {
            // An overlong line: keep its start, drop the rest until its end.
            this.buffer = this.buffer.slice(0, MAX_REPLY_LINE);
            this.discarding = true;
          }
        }
        return;
      }
      const part = text.slice(0, nl);
      text = text.slice(nl + 1);
      let line = this.discarding ? this.buffer : (this.buffer + part).slice(0, MAX_REPLY_LINE);
      this.buffer = '';
      this.discarding = false;
      line = line.replace(/\r$/, '');
      if (!this.line(line)) return;
    }
  }

  /** One reply line (RFC 5321 §4.2: "code SP text" ends a reply, "code - text" continues it). */
  private line(line: string): boolean {
    const m = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/.exec(line);
    if (!m) {
      this.fail(new SmtpError('protocol', `not an SMTP reply: ${printable(line).slice(0, 100)}`));
      return false;
    }
    this.lines.push(m[3] ?? '');
    if (this.lines.length > MAX_REPLY_LINES) {
      this.fail(new SmtpError('protocol', `reply longer than ${MAX_REPLY_LINES} lines`));
      return false;
    }
    if (m[2] === '-') return true;
    const code = Number(m[1]);
    const lines = this.lines.map(printable);
    this.lines = [];
    const em = ENHANCED.exec(lines[0]);
    const enhanced = em && em[1] === m[1][0] ? `${em[1]}.${em[2]}.${em[3]}` : null;
    const reply: SmtpReply = { code, enhanced, text: lines.join(' ').trim(), lines };
    const w = this.waiters.shift();
    if (!w) {
      this.replies.push(reply);
      return true;
    }
    clearTimeout(w.timer);
    if (this.waiters.length) this.arm(this.waiters[0]);
    w.resolve(reply);
    return true;
  }

  private fail(err: SmtpError): void {
    if (!this.failure) this.failure = err;
    this.socket.destroy();
    this.rejectAll(this.failure);
  }

  private rejectAll(err: SmtpError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
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

function tlsOptions(opts: ConnectOptions): tls.ConnectionOptions {
  return {
    // SNI carries host names only (RFC 6066 §3).
    servername: net.isIP(opts.servername) ? undefined : opts.servername,
    minVersion: 'TLSv1.2',
    ca: opts.ca,
    // We decide on the certificate ourselves once the handshake is done (PKIX, DANE or MTA-STS).
    rejectUnauthorized: false,
  };
}

function tlsInfo(socket: tls.TLSSocket, servername: string): TlsInfo {
  const cipher = socket.getCipher();
  const peer = socket.getPeerCertificate();
  let identityError: string | null = null;
  if (!peer || !peer.raw) identityError = 'no certificate';
  else {
    const err = tls.checkServerIdentity(servername, peer);
    if (err) identityError = err.message;
  }
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
    chain: peerChain(socket),
    identityError,
  };
}

/** No CR, LF or NUL can reach a command line (they would end it, RFC 5321 §2.3.8). */
function checkPath(address: string): void {
  if (/[\r\n\0<>]/.test(address)) throw new SmtpError('protocol', 'address contains characters not allowed in a path');
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
