// What the POP3 command table (./commands.ts) sees of a session (./session.ts), and the
// table's shape: keyword → the states it is allowed in and its handler.
import type { Maildrop, MaildropMessage } from './backend';

/** RFC 1939 §3: AUTHORIZATION until a login succeeds, then TRANSACTION; UPDATE is QUIT's work. */
export type State = 'authorization' | 'transaction';
export const ALL_STATES: readonly State[] = ['authorization', 'transaction'];

/** The maildrop as one session sees it: message numbers fixed at login, deletions marked until QUIT. */
export class Listing {
  private readonly marked = new Set<number>();

  constructor(readonly maildrop: Maildrop) {}

  /** Message `n` unless it does not exist or is marked deleted (RFC 1939 §5). */
  message(n: number | null): MaildropMessage | null {
    if (n === null || n < 1 || n > this.maildrop.messages.length || this.marked.has(n)) return null;
    return this.maildrop.messages[n - 1];
  }

  /** [number, message] of every message not marked deleted. */
  live(): [number, MaildropMessage][] {
    return this.maildrop.messages.map((m, i) => [i + 1, m] as [number, MaildropMessage]).filter(([n]) => !this.marked.has(n));
  }

  get octets(): number {
    return this.live().reduce((sum, [, m]) => sum + m.size, 0);
  }

  isMarked(n: number): boolean {
    return this.marked.has(n);
  }

  mark(n: number): void {
    this.marked.add(n);
  }

  unmarkAll(): void {
    this.marked.clear();
  }

  /** The UIDs QUIT removes. */
  markedUids(): number[] {
    return [...this.marked].map((n) => this.maildrop.messages[n - 1].uid);
  }

  uidl(m: MaildropMessage): string {
    return `${this.maildrop.uidValidity}.${m.uid}`;
  }
}

export interface CommandSession {
  readonly state: State;
  /** The connection is under TLS (POP3S, or after STLS). */
  readonly secure: boolean;
  /** This listener offers STLS (cleartext POP3) and it has not been used yet. */
  readonly canStartTls: boolean;
  /** TRANSACTION state only. */
  readonly listing: Listing | null;
  /** The name a USER command gave, until PASS uses it. */
  user: string | null;
  /** Writes response bytes, waiting while the client is slow to read. */
  send(...chunks: Buffer[]): Promise<void>;
  /** PASS and AUTH: checks the credentials, takes the maildrop lock, answers. */
  authenticate(user: string, password: string): Promise<void>;
  /** The next client line is a SASL response, handed to `handler` instead of being a command. */
  continuation(handler: (line: string) => Promise<void>): void;
  /** After +OK to STLS: discards pipelined cleartext input and runs the handshake. */
  startTls(): Promise<void>;
  /** QUIT: the UPDATE state when in TRANSACTION, then the end of the connection. */
  quit(): Promise<void>;
}

export interface Command {
  states: readonly State[];
  handle(session: CommandSession, args: string[]): Promise<void>;
}

export type CommandTable = Readonly<Record<string, Command>>;
