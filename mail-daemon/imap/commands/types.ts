// The shape of one entry in the command table (the states it is allowed in, how its
// arguments are parsed with the protocol Reader, its handler) and `CommandSession`:
// everything a handler may use of the session. Handlers see this interface only,
// never the session class, so the session is free to keep its state to itself.
import type { ResultContexts } from '../contexts';
import type { FolderView, MailSession, MessageSummary } from '../backend';
import { Code } from '../codes';
import type { Notifications } from '../notify';
import type { WireValue } from '../protocol/encode';
import type { Reader } from '../protocol/reader';
import type { SequenceSet } from '../protocol/sequence';

/** RFC 3501 3: the connection states. */
export type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export const ALL_STATES: readonly State[] = ['not-authenticated', 'authenticated', 'selected', 'logout'];

export type LoginOutcome =
  | { ok: true; mailboxId: string; address: string }
  | { ok: false; reason: 'invalid' | 'throttled' | 'limit' };

/** What SELECT/EXAMINE hands to the session: the view and the client's starting numbers. */
export interface SelectedStart {
  view: FolderView;
  uids: readonly number[];
  modseq: number;
  uidNext: number;
  /** What the FLAGS response just sent listed (later FETCHes may show only these keywords unannounced). */
  flags: readonly string[];
}

export interface CommandSession {
  // ---------------------------------------------------------------- connection
  /** A STARTTLS upgrade is possible on this connection. */
  readonly canStartTls: boolean;
  /** May LOGIN/AUTHENTICATE be used on this connection now? */
  readonly authAllowed: boolean;
  /** The connection is gone (a handler waiting on the client must stop). */
  readonly isClosed: boolean;
  capabilities(): string[];
  send(chunks: Buffer[]): Promise<void>;
  untagged(...values: WireValue[]): Promise<void>;
  untaggedStatus(status: 'OK' | 'NO' | 'BAD' | 'BYE', code: string | undefined, text: string): Promise<void>;
  /** The next raw line from the client (AUTHENTICATE responses). */
  readLine(): Promise<string>;
  /** After the STARTTLS OK was written: upgrade the transport. */
  startTls(): Promise<void>;
  /** COMPRESS=DEFLATE (RFC 4978) is active. */
  readonly compressed: boolean;
  /** After the COMPRESS OK was written: raw deflate both ways from the next byte on. */
  startCompression(): void;
  /** Enters the logout state: no further commands are read. */
  logout(): Promise<void>;
  /** Ends the connection (after LOGOUT's tagged OK). */
  closeConnection(): void;

  // ---------------------------------------------------------------- authentication
  /** Checks the password and per-user limit; on success the session is authenticated. */
  login(user: string, password: string): Promise<LoginOutcome>;
  /** The authenticated account's store operations (authenticated and selected states). */
  readonly mail: MailSession;

  // ---------------------------------------------------------------- extensions
  /** ENABLE (RFC 5161); false when it was on already. QRESYNC implies CONDSTORE (RFC 7162 3.2.3). */
  enable(capability: 'CONDSTORE' | 'QRESYNC' | 'IMAP4rev2' | 'UTF8=ACCEPT'): boolean;
  /** UTF8=ACCEPT is enabled (RFC 6855): UTF-8 mailbox names and quoted strings, APPEND's UTF8 data. */
  readonly utf8Accept: boolean;
  /** ENABLE IMAP4rev2 was given: RFC 9051 behaviour (no \Recent, ESEARCH for SEARCH, ...). */
  readonly imap4rev2: boolean;
  /**
   * NOTIFY SET (RFC 5465): these notifications from now on, at any time between commands;
   * null for NOTIFY NONE. `fetchNew` answers MessageNew's fetch attributes for new UIDs.
   */
  setNotify(n: Notifications | null, fetchNew?: (s: CommandSession, uids: readonly number[]) => Promise<void>): Promise<void>;
  /** A CONDSTORE-enabling command was used (RFC 7162 3.1). */
  useCondstore(): void;
  readonly condstore: boolean;
  /** QRESYNC is enabled: VANISHED replaces EXPUNGE, FETCH responses carry UID. */
  readonly qresync: boolean;

  // ---------------------------------------------------------------- the selected folder
  /** The selected folder's name, null when none is selected. */
  readonly selectedName: string | null;
  select(start: SelectedStart): void;
  deselect(): void;
  /** The selected folder's store operations. */
  readonly view: FolderView;
  /** The selected folder's RFC 5267 UPDATE contexts. */
  readonly contexts: ResultContexts;
  /** Something changed the selected folder (our COPY or APPEND into it): look at the next chance. */
  noteChange(): void;
  /**
   * Tells the client what changed: EXPUNGE only when `expunge`, EXISTS/RECENT, FETCH FLAGS.
   * With `force` the store is asked even without a notification (NOOP, CHECK, IDLE start).
   */
  sync(options: { expunge: boolean; force: boolean }): Promise<void>;
  /** IDLE (RFC 2177): pushes changes as they arrive until the client's next line, which it returns. */
  idle(): Promise<string>;

  // ---------------------------------------------------------------- message numbers
  /** The UIDs (ascending, known to the client) a sequence set or UID set names; see Tracker.resolve. */
  resolve(set: SequenceSet, uid: boolean, pastEndMatchesNothing?: boolean): number[];
  /** SEARCH RETURN (SAVE) (RFC 5182): these UIDs are what "$" names until the next SAVE or SELECT. */
  saveSearch(uids: readonly number[]): void;
  /** 0 when the client does not know the UID. */
  seqOf(uid: number): number;
  knows(uid: number): boolean;
  /** '*' of a UID set: the highest UID the client knows, 0 when none. */
  readonly highestUid: number;
  /** The view holds the message as \Recent. */
  isRecent(uid: number): boolean;
  /** Own flag writes (STORE, \Seen set by FETCH): not echoed, their notification not waited for. */
  ownWrite(messages: readonly MessageSummary[]): void;
  /** The client was just sent these flags (FETCH FLAGS): not echoed again. */
  flagsSent(uid: number, modseq: number): void;
  /** Sends EXPUNGE (or VANISHED) now for UIDs still known to the client. */
  announceExpunged(uids: readonly number[]): Promise<void>;
  /** `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])` for a message the client knows. */
  sendFlags(m: MessageSummary): Promise<void>;
  /**
   * To write before a FETCH response showing `flags`: FLAGS and PERMANENTFLAGS when one is a
   * keyword the client was not told of (RFC 3501 7.2.6), which then counts as told; else none.
   */
  keywordAnnouncement(flags: readonly string[]): Buffer[];
}

export interface Completion {
  status: 'OK' | 'NO' | 'BAD';
  code?: string;
  text: string;
  /** Runs after the tagged response is written (STARTTLS upgrade, LOGOUT close). */
  after?: () => Promise<void>;
}

export interface CommandContext {
  tag: string;
  name: string;
}

export interface CommandSpec<A = unknown> {
  states: readonly State[];
  /** Reads the arguments after the command name (the leading space included). */
  parse?: (r: Reader) => A;
  handle: (s: CommandSession, args: A, ctx: CommandContext) => Promise<Completion | void>;
  /** FETCH, STORE, SEARCH: no untagged EXPUNGE at their end (RFC 3501 7.4.1). */
  noExpunge?: boolean;
}

/** Command name (UID forms as "UID FETCH") → its entry. */
export type CommandTable = Readonly<Record<string, CommandSpec>>;

export function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}

export const ANY: readonly State[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTHENTICATED: readonly State[] = ['not-authenticated'];
export const AUTHENTICATED: readonly State[] = ['authenticated', 'selected'];
export const SELECTED: readonly State[] = ['selected'];

export const ok = (text: string, code?: string): Completion => ({ status: 'OK', code, text });
export const no = (code: string | undefined, text: string): Completion => ({ status: 'NO', code, text });
export const bad = (text: string, code?: string): Completion => ({ status: 'BAD', code, text });

/**
 * APPEND, COPY and MOVE to a folder that does not exist answer NO [TRYCREATE] (RFC 3501
 * 6.3.11 and 6.4.7, RFC 6851 3.3); any other error is rethrown for the session's error mapping.
 */
export function tryCreateOrThrow(err: unknown): Completion {
  if ((err as { code?: string }).code === 'nonexistent') return no(Code.TRYCREATE, 'No such mailbox');
  throw err;
}
