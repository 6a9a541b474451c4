// One POP3 connection's protocol state (RFC 1939 §3): AUTHORIZATION → TRANSACTION → UPDATE at
// QUIT, commands answered strictly in order (RFC 2449 PIPELINING: a client may send many at
// once; input is paused while too many wait), dispatched from the table it is given.
import type { Logger } from '@/lib/log';
import type { Pop3Store } from './backend';
import { Code, err, ok } from './codes';
import { LineReader, parseCommand, type LineEvent } from './protocol';
import { Listing, type CommandSession, type CommandTable, type State } from './types';

/** The transport under a session: a TLS or plain socket. */
export interface Pop3Connection {
  readonly secure: boolean;
  readonly remoteAddress: string;
  /** Writes; false when the transport's buffer is full (then await drain()). */
  write(chunks: Buffer[]): boolean;
  drain(): Promise<void>;
  /** After the STLS +OK: upgrades the transport in place; false when the handshake failed. */
  startTls(): Promise<boolean>;
  pause(): void;
  resume(): void;
  close(): void;
}

export type LoginOutcome =
  | { ok: true; mailboxId: string; address: string; /** The app password used, null for the mailbox password. */ appPasswordId?: string | null }
  | { ok: false; reason: 'invalid' | 'throttled' };

export interface Pop3Limits {
  /** A command or SASL line, CRLF included (RFC 2449 §4 asks clients for 255 at most). */
  maxLine: number;
  /** Failed logins on one connection before it is closed. */
  maxAuthFailures: number;
  /** Unknown, misplaced or over-long commands on one connection before it is closed. */
  maxBadCommands: number;
  /** Commands waiting for their turn before input is paused. */
  maxQueued: number;
}

export interface Pop3SessionDeps {
  store: Pop3Store;
  log: Logger;
  commands: CommandTable;
  /** Password check (lib/auth verifyMailboxLogin, throttled) and what follows a good one. */
  login(user: string, password: string): Promise<LoginOutcome>;
  /** This listener is cleartext POP3 with STLS. */
  starttls: boolean;
  limits: Pop3Limits;
  /** Called when the session reaches TRANSACTION (the listener lengthens its timeout). */
  onTransaction?(): void;
}

export class Pop3Session implements CommandSession {
  state: State = 'authorization';
  listing: Listing | null = null;
  user: string | null = null;
  private readonly reader: LineReader;
  private readonly queue: LineEvent[] = [];
  private running = false;
  private paused = false;
  private closed = false;
  private tlsUsed = false;
  private authFailures = 0;
  private badCommands = 0;
  private sasl: ((line: string) => Promise<void>) | null = null;

  constructor(
    private readonly conn: Pop3Connection,
    private readonly deps: Pop3SessionDeps,
  ) {
    this.reader = new LineReader(deps.limits.maxLine);
  }

  get secure(): boolean {
    return this.conn.secure;
  }

  get canStartTls(): boolean {
    return this.deps.starttls && !this.tlsUsed && !this.conn.secure;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A line begun and not ended: the client is mid-command. */
  get inputPending(): boolean {
    return this.reader.pending > 0;
  }

  greet(): Promise<void> {
    return this.send(ok('Postern POP3 server ready'));
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push(...this.reader.push(chunk));
    if (this.queue.length > this.deps.limits.maxQueued && !this.paused) {
      this.paused = true;
      this.conn.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.closed) {
        await this.handle(this.queue.shift()!);
        if (this.paused && this.queue.length <= this.deps.limits.maxQueued / 2) {
          this.paused = false;
          this.conn.resume();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async handle(event: LineEvent): Promise<void> {
    if ('tooLong' in event) {
      this.sasl = null;
      return this.bad(err('Line too long'));
    }
    const sasl = this.sasl;
    if (sasl) {
      this.sasl = null;
      return this.guard(() => sasl(event.line));
    }
    const { keyword, args } = parseCommand(event.line);
    const command = Object.hasOwn(this.deps.commands, keyword) ? this.deps.commands[keyword] : undefined;
    if (!command) return this.bad(err('Unknown command'));
    if (!command.states.includes(this.state)) return this.bad(err(`${keyword} is not allowed in this state`));
    return this.guard(() => command.handle(this, args));
  }

  /** A failure of ours (the database, most likely) answers "try later"; its message stays in the log. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'pop3 command failed');
      await this.send(err('Temporary failure, try again later', Code.SYS_TEMP));
    }
  }

  private async bad(response: Buffer): Promise<void> {
    await this.send(response);
    if (++this.badCommands >= this.deps.limits.maxBadCommands) {
      await this.send(err('Too many bad commands, closing'));
      this.end();
    }
  }

  async send(...chunks: Buffer[]): Promise<void> {
    if (this.closed) return;
    if (!this.conn.write(chunks)) await this.conn.drain();
  }

  continuation(handler: (line: string) => Promise<void>): void {
    this.sasl = handler;
  }

  async authenticate(user: string, password: string): Promise<void> {
    const outcome = await this.deps.login(user, password);
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') await this.send(err('Too many failed attempts, try again later', Code.SYS_TEMP));
      else await this.send(err('Authentication failed', Code.AUTH));
      if (++this.authFailures >= this.deps.limits.maxAuthFailures) this.end();
      return;
    }
    const opening = await this.deps.store.open(outcome.mailboxId);
    if (!opening.ok) return this.send(err('Mailbox in use by another POP3 session', Code.IN_USE));
    const maildrop = opening.maildrop;
    if (this.closed) {
      await maildrop.release();
      return;
    }
    maildrop.onLost(() => {
      this.deps.log.warn({ user: outcome.address }, 'pop3 maildrop lock lost');
      void this.send(err('Lost the maildrop lock, nothing was deleted', Code.SYS_TEMP)).finally(() => this.end());
    });
    this.listing = new Listing(maildrop);
    this.state = 'transaction';
    this.deps.onTransaction?.();
    await this.send(ok(`Logged in, ${this.listing.live().length} messages (${this.listing.octets} octets)`));
  }

  async startTls(): Promise<void> {
    // RFC 2595 §4 (and the STARTTLS command injection attacks): whatever the client pipelined
    // after STLS arrived in cleartext and is not read as coming from it under TLS.
    this.reader.clear();
    this.queue.length = 0;
    this.tlsUsed = true;
    if (!(await this.conn.startTls())) this.end();
  }

  async quit(): Promise<void> {
    const listing = this.listing;
    if (!listing) {
      await this.send(ok('Postern POP3 server signing off'));
      return this.end();
    }
    // The UPDATE state (RFC 1939 §6).
    this.listing = null;
    try {
      const removed = await listing.maildrop.commit(listing.markedUids());
      await this.send(ok(`Postern POP3 server signing off (${removed} messages deleted)`));
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'pop3 update failed');
      await this.send(err('Some deleted messages not removed', Code.SYS_TEMP));
    } finally {
      await listing.maildrop.release().catch(() => {});
      this.end();
    }
  }

  private end(): void {
    this.conn.close();
    this.close();
  }

  /** The connection is gone (or going): no UPDATE without QUIT (RFC 1939 §6), the lock is let go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    const listing = this.listing;
    this.listing = null;
    listing?.maildrop.release().catch((e) => this.deps.log.warn({ err: (e as Error).message }, 'pop3 maildrop release failed'));
  }
}
