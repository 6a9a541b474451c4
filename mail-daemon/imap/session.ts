// Over 300 lines: one class, the state machine and command loop plus the CommandSession methods commands see.
// One IMAP connection's protocol state: the explicit state machine (RFC 3501 3) and the
// serial command loop dispatching from the command table it is given. Handlers see it
// only as `CommandSession` (commands/types.ts); the selected folder's message numbers and
// when untagged EXPUNGE/EXISTS/FETCH may be sent (RFC 3501 7.4.1) are the tracker's.
import type { Logger } from '@/lib/log';
import type { FolderView, MailboxEvent, MailSession, MailStore, MessageSummary } from './backend';
import type { ResultContexts } from './contexts';
import { Code } from './codes';
import type { CommandSession, CommandTable, Completion, LoginOutcome, SelectedStart, State } from './commands/types';
import { internalError, knownErrorCompletion } from './errors';
import { selectedGroup, type Notifications } from './notify';
import { statusLine, untaggedFor, type WireValue } from './protocol/encode';
import { CommandFramer, releaseFrame, type Frame, type FrameError } from './protocol/framer';
import { Reader } from './protocol/reader';
import type { SequenceSet } from './protocol/sequence';
import { Selection, type AnnouncementWriter } from './selection';

export { ALL_STATES, type LoginOutcome, type State } from './commands/types';

/** The transport under a session: a TLS or plain socket (or a test double in unit tests). */
export interface Connection {
  readonly secure: boolean;
  readonly remoteAddress: string;
  /** Writes one response; false when the transport's buffer is full (then await drain()). */
  write(chunks: Buffer[]): boolean;
  drain(): Promise<void>;
  /** After the STARTTLS OK was written: upgrade the transport in place. */
  startTls(): Promise<void>;
  /** After the COMPRESS OK was written: raw deflate both ways (RFC 4978). */
  startCompression(): void;
  /** Input back-pressure while commands queue up. */
  pause(): void;
  resume(): void;
  close(): void;
}

export interface SessionDeps {
  store: MailStore;
  log: Logger;
  /** The command table (commands/index.ts): name → { states, parse, handle }. */
  commands: CommandTable;
  /** Password check (lib/auth verifyMailboxLogin) plus the per-user connection limit. */
  login(user: string, password: string, ip: string): Promise<LoginOutcome>;
  /** Called once when the session ends after a successful login (frees the per-user slot). */
  logout?(address: string): void;
  /** Policy allowCleartextAuth, read per connection. */
  allowCleartextAuth(): Promise<boolean>;
  /** A STARTTLS upgrade is possible on this listener. */
  starttls: boolean;
  limits: { maxLine: number; maxLiteral: number; maxCommand: number };
  serverName?: string;
}

export class ImapSession implements CommandSession, AnnouncementWriter {
  state: State = 'not-authenticated';
  private account: MailSession | null = null;
  private user: string | null = null;
  private selected: Selection | null = null;
  /** ENABLEd extensions (CONDSTORE, QRESYNC, IMAP4rev2). */
  private readonly enabled = new Set<string>();
  /** NOTIFY (RFC 5465): what the client asked to be told, between commands too. */
  private notifications: Notifications | null = null;
  private notifyFetch: ((s: CommandSession, uids: readonly number[]) => Promise<void>) | null = null;
  /** Notifications being written between commands; the next command waits for them. */
  private pushing: Promise<void> | null = null;
  /** SEARCH RETURN (SAVE)'s UIDs, for "$" (RFC 5182); empty after SELECT, UNSELECT and CLOSE. */
  private savedResult: readonly number[] = [];
  /** A FETCH with MODSEQ or a CONDSTORE SELECT turns CONDSTORE on implicitly (RFC 7162 3.1). */
  private condstoreOn = false;
  /** In IDLE: changes are pushed as they arrive. */
  private idling = false;
  private idleSyncing: Promise<void> | null = null;
  private lineWaiter: ((line: string) => void) | null = null;
  private readonly framer: CommandFramer;
  private queue: (Frame | FrameError)[] = [];
  private running = false;
  private unwatch: (() => void) | null = null;
  private closed = false;
  private cleartextAllowed = false;
  private compressing = false;

  constructor(
    readonly conn: Connection,
    private readonly deps: SessionDeps,
  ) {
    this.framer = new CommandFramer(
      {
        maxLine: deps.limits.maxLine,
        maxCommand: deps.limits.maxCommand,
        // Read per command: a policy change of the largest message applies at once.
        maxLiteral: (command) => (command === 'APPEND' ? deps.store.limits.appendLimit : deps.limits.maxLiteral),
      },
      {
        command: (frame) => this.enqueue(frame),
        error: (err) => this.enqueue(err),
        continuation: () => this.conn.write([Buffer.from('+ Ready for literal data\r\n')]),
        line: (line) => this.onLine(line),
      },
    );
  }

  private get log(): Logger {
    return this.deps.log;
  }

  get secure(): boolean {
    return this.conn.secure;
  }

  get canStartTls(): boolean {
    return !this.conn.secure && this.deps.starttls;
  }

  get authAllowed(): boolean {
    return this.conn.secure || this.cleartextAllowed;
  }

  /** The client is in the middle of sending a command (the listener's slow-data watch). */
  get commandInProgress(): boolean {
    return this.framer.commandInProgress;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async start(): Promise<void> {
    this.cleartextAllowed = await this.deps.allowCleartextAuth().catch(() => false);
    this.write(statusLine('*', 'OK', `${Code.CAPABILITY} ${this.capabilities().join(' ')}`, `${this.deps.serverName ?? 'Postern'} IMAP ready`));
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE'];
    caps.push('CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'STATUS=SIZE', 'LIST-EXTENDED', 'LIST-STATUS', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'SORT', 'SORT=DISPLAY', 'ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES', 'QUOTA', 'QUOTA=RES-STORAGE', 'NOTIFY', 'SEARCHRES', `APPENDLIMIT=${this.deps.store.limits.appendLimit}`);
    caps.push('BINARY', 'MULTIAPPEND', 'CATENATE', 'COMPRESS=DEFLATE', 'UTF8=ACCEPT');
    if (this.state === 'not-authenticated') {
      if (this.canStartTls) caps.push('STARTTLS');
      if (this.authAllowed) caps.push('AUTH=PLAIN');
      else caps.push('LOGINDISABLED');
    }
    return caps;
  }

  // ---------------------------------------------------------------- I/O

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    this.framer.push(chunk);
  }

  write(chunks: Buffer[]): boolean {
    if (this.closed) return true;
    return this.conn.write(chunks);
  }

  async send(chunks: Buffer[]): Promise<void> {
    if (!this.write(chunks)) await this.conn.drain();
  }

  async untagged(...values: WireValue[]): Promise<void> {
    await this.send(untaggedFor({ utf8: this.utf8Accept }, ...values));
  }

  async untaggedStatus(status: 'OK' | 'NO' | 'BAD' | 'BYE', code: string | undefined, text: string): Promise<void> {
    await this.send(statusLine('*', status, code, text));
  }

  readLine(): Promise<string> {
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      this.framer.expectLine(true);
    });
  }

  private onLine(line: string): void {
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    if (waiter) waiter(line);
  }

  private enqueue(item: Frame | FrameError): void {
    this.queue.push(item);
    if (this.queue.length > 16) this.conn.pause();
    if (!this.running) {
      this.run().catch((err) => {
        // Never an unhandled rejection: the connection goes, the process stays.
        this.log.error({ err }, 'imap: session loop failed');
        this.conn.close();
        this.close();
      });
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length && !this.closed) {
        const item = this.queue.shift()!;
        if (this.queue.length < 4) this.conn.resume();
        if (this.pushing) await this.pushing;
        if ('parts' in item) await this.execute(item).finally(() => releaseFrame(item));
        else await this.send(statusLine(item.tag, item.status, item.code, item.text));
      }
    } finally {
      this.running = false;
      // What arrived during the commands goes out now that none runs.
      if (this.wantsPush) this.schedulePush();
    }
  }

  // ---------------------------------------------------------------- commands

  private async execute(frame: Frame): Promise<void> {
    const r = new Reader(frame.parts, this.utf8Accept);
    let tag: string;
    let name: string;
    try {
      tag = r.tag();
      r.sp();
      name = r.atom().toUpperCase();
      if (name === 'UID') {
        r.sp();
        name = `UID ${r.atom().toUpperCase()}`;
      }
    } catch {
      const first = 'text' in frame.parts[0] ? frame.parts[0].text : '';
      const m = /^([^\s+(){%*"\\]+)/.exec(first);
      await this.send(statusLine(m ? m[1] : '*', 'BAD', undefined, 'Missing or invalid command'));
      return;
    }
    const commands = this.deps.commands;
    const spec = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!spec) {
      await this.send(statusLine(tag, 'BAD', Code.CLIENTBUG, 'Unknown command'));
      return;
    }
    if (!spec.states.includes(this.state)) {
      const why = this.state === 'not-authenticated' ? 'Not authenticated' : spec.states.includes('selected') ? 'No mailbox selected' : 'Already authenticated';
      await this.send(statusLine(tag, 'BAD', Code.CLIENTBUG, `${why}: ${name} is not allowed in this state`));
      return;
    }
    let completion: Completion;
    try {
      let args: unknown;
      if (spec.parse) {
        args = spec.parse(r);
      }
      r.end();
      completion = (await spec.handle(this, args as never, { tag, name })) ?? { status: 'OK', text: `${name} completed` };
    } catch (err) {
      completion = knownErrorCompletion(err, name) ?? this.internalError(err, name);
    }
    if (this.closed) return;
    try {
      if (this.selected && this.state === 'selected' && completion.status !== 'BAD') {
        await this.sync({ expunge: !spec.noExpunge, force: false });
      }
    } catch (err) {
      this.log.error({ err, command: name }, 'imap: change sync failed');
    }
    await this.send(statusLine(tag, completion.status, completion.code, completion.text));
    if (completion.after) await completion.after();
  }

  private internalError(err: unknown, name: string): Completion {
    this.log.error({ err, command: name }, 'imap: command failed');
    return internalError();
  }

  // ---------------------------------------------------------------- states

  async login(user: string, password: string): Promise<LoginOutcome> {
    const outcome = await this.deps.login(user, password, this.conn.remoteAddress);
    if (!outcome.ok) return outcome;
    // The client left while its password was checked: close() ran before there was a user to
    // sign off, so the per-user connection it was just counted in is given back here.
    if (this.closed) {
      this.deps.logout?.(outcome.address);
      return outcome;
    }
    await this.authenticated(outcome.mailboxId, outcome.address);
    return outcome;
  }

  private async authenticated(mailboxId: string, address: string): Promise<void> {
    // Known before the store is asked, so a close() meanwhile signs the user off.
    this.user = address;
    let account: MailSession;
    try {
      account = await this.deps.store.open(mailboxId);
    } catch (err) {
      // The login fails after all: its per-user connection is given back now (close() did, if it ran).
      if (!this.closed) {
        this.user = null;
        this.deps.logout?.(address);
      }
      throw err;
    }
    if (this.closed) {
      // Gone while the mailbox was opened: nothing may keep the session (its socket, its TLS
      // state) reachable from the store's listeners.
      account.close();
      return;
    }
    this.account = account;
    this.state = 'authenticated';
    this.unwatch = this.account.watch((event) => this.onStoreEvent(event));
  }

  private onStoreEvent(event: MailboxEvent): void {
    const sel = this.selected;
    if (sel && event.kind === 'messages' && (event.folderId === null || event.folderId === sel.view.folder.id) && sel.tracker.notify(event.modseq)) {
      if (this.idling) void this.idleSync();
      else if (this.notifySelected) this.schedulePush();
    }
    const n = this.notifications;
    if (!n?.note(event, this.pushing !== null)) return;
    if (n.overflowed) {
      // RFC 5465 5.8: the client does not keep up; it is told, and NOTIFY is off.
      this.notifications = null;
      this.notifyFetch = null;
      this.write(statusLine('*', 'OK', Code.NOTIFICATIONOVERFLOW, 'Too many changes to report, NOTIFY is off'));
      return;
    }
    this.schedulePush();
  }

  get mail(): MailSession {
    if (!this.account) throw new Error('imap: no authenticated account');
    return this.account;
  }

  get utf8Accept(): boolean {
    // RFC 9051 has UTF8=ACCEPT's UTF-8 mailbox names and strings built in (RFC 9755 1).
    return this.enabled.has('UTF8=ACCEPT') || this.enabled.has('IMAP4rev2');
  }

  enable(capability: 'CONDSTORE' | 'QRESYNC' | 'IMAP4rev2' | 'UTF8=ACCEPT'): boolean {
    if (this.enabled.has(capability)) return false;
    this.enabled.add(capability);
    if (capability === 'CONDSTORE' || capability === 'QRESYNC') this.condstoreOn = true;
    return true;
  }

  get imap4rev2(): boolean {
    return this.enabled.has('IMAP4rev2');
  }

  useCondstore(): void {
    this.condstoreOn = true;
  }

  get condstore(): boolean {
    return this.condstoreOn;
  }

  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  get selectedName(): string | null {
    return this.selected?.view.folder.name ?? null;
  }

  select({ view, uids, modseq, uidNext, flags }: SelectedStart): void {
    this.savedResult = [];
    this.selected = new Selection(view, { uids, modseq, uidNext }, this, flags);
    this.state = 'selected';
  }

  deselect(): void {
    this.savedResult = [];
    this.selected = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  async startTls(): Promise<void> {
    this.framer.stop();
    this.queue = [];
    await this.conn.startTls();
    this.cleartextAllowed = false;
    this.framer.resume();
  }

  async logout(): Promise<void> {
    this.state = 'logout';
    this.framer.stop();
  }

  closeConnection(): void {
    this.conn.close();
  }

  get compressed(): boolean {
    return this.compressing;
  }

  startCompression(): void {
    this.compressing = true;
    this.conn.startCompression();
  }

  /** The connection is gone: free everything. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.framer.stop();
    for (const item of this.queue) if ('parts' in item) releaseFrame(item);
    this.queue = [];
    this.unwatch?.();
    this.account?.close();
    if (this.user) this.deps.logout?.(this.user);
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    waiter?.('');
    this.idling = false;
  }

  // ---------------------------------------------------------------- NOTIFY

  async setNotify(n: Notifications | null, fetchNew?: (s: CommandSession, uids: readonly number[]) => Promise<void>): Promise<void> {
    // Events from now on are noted; start() learns the state they change.
    this.notifications = n;
    this.notifyFetch = fetchNew ?? null;
    await n?.start();
  }

  /** NOTIFY asked for events of the selected mailbox (SELECTED or SELECTED-DELAYED, not NONE). */
  private get notifySelected(): boolean {
    return !!this.notifications && !!selectedGroup(this.notifications.spec)?.events.size;
  }

  private get wantsPush(): boolean {
    if (!this.notifications || this.closed) return false;
    return this.notifications.pending || (this.notifySelected && !this.idling && !!this.selected?.tracker.hasChanges);
  }

  /**
   * RFC 5465 3: notifications go out at any time no command is running (in IDLE too);
   * otherwise at the command's end.
   */
  private schedulePush(): void {
    if (this.pushing || !this.wantsPush || (this.running && !this.idling)) return;
    let failed = false;
    this.pushing = this.push()
      .catch((err) => {
        failed = true;
        this.log.error({ err }, 'imap: NOTIFY push failed');
      })
      .finally(() => {
        this.pushing = null;
        this.notifications?.caughtUp();
        if (!failed) this.schedulePush();
      });
  }

  private async push(): Promise<void> {
    const group = this.notifications && selectedGroup(this.notifications.spec);
    if (group?.events.size && !this.idling && this.selected?.tracker.hasChanges) {
      // SELECTED-DELAYED keeps expunges for a command that allows them; without FlagChange,
      // other sessions' flag changes are not reported.
      await this.sync({ expunge: !group.filter.delayed, force: false, flags: group.events.has('FlagChange') });
    }
    if (this.notifications?.pending) await this.notifications.flush();
  }

  /** New messages were announced (EXISTS): MessageNew's fetch attributes follow (RFC 5465 5.2). */
  async newMessages(uids: readonly number[]): Promise<void> {
    if (this.notifyFetch && this.notifySelected) await this.notifyFetch(this, uids);
  }

  // ---------------------------------------------------------------- IDLE

  async idle(): Promise<string> {
    await this.sync({ expunge: true, force: true });
    await this.send([Buffer.from('+ idling\r\n')]);
    this.idling = true;
    if (this.selected?.tracker.hasChanges) void this.idleSync();
    this.schedulePush();
    const line = await this.readLine();
    this.idling = false;
    // DONE may arrive while a push is in flight: let it finish before the tagged OK.
    if (this.idleSyncing) await this.idleSyncing;
    return line;
  }

  private async idleSync(): Promise<void> {
    if (this.idleSyncing) return;
    this.idleSyncing = (async () => {
      try {
        while (this.idling && this.selected?.tracker.hasChanges) await this.sync({ expunge: true, force: false });
      } catch (err) {
        this.log.error({ err }, 'imap: IDLE change sync failed');
      } finally {
        this.idleSyncing = null;
      }
    })();
    await this.idleSyncing;
  }

  // ---------------------------------------------------------------- the selected folder

  private get current(): Selection {
    if (!this.selected) throw new Error('imap: no folder selected');
    return this.selected;
  }

  get view(): FolderView {
    return this.current.view;
  }

  noteChange(): void {
    this.selected?.tracker.markChanged();
  }

  resolve(set: SequenceSet, uid: boolean, pastEndMatchesNothing?: boolean): number[] {
    const tracker = this.current.tracker;
    // "$": the saved UIDs the client still knows; expunged ones drop out (RFC 5182 2.1).
    if (set.saved) return this.savedResult.filter((u) => tracker.has(u));
    return tracker.resolve(set, uid, pastEndMatchesNothing);
  }

  saveSearch(uids: readonly number[]): void {
    this.savedResult = [...uids];
  }

  seqOf(uid: number): number {
    return this.current.tracker.seqOf(uid);
  }

  knows(uid: number): boolean {
    return this.current.tracker.has(uid);
  }

  get highestUid(): number {
    return this.current.tracker.highestUid;
  }

  isRecent(uid: number): boolean {
    // RFC 9051 has no \Recent: IMAP4rev2 clients never see it.
    return !this.imap4rev2 && this.current.view.recentUids().has(uid);
  }

  ownWrite(messages: readonly MessageSummary[]): void {
    this.current.tracker.ownWrite(messages);
    this.current.contexts.touch();
  }

  get contexts(): ResultContexts {
    return this.current.contexts;
  }

  flagsSent(uid: number, modseq: number): void {
    this.current.tracker.sent(uid, modseq);
  }

  async sync(options: { expunge: boolean; force: boolean; flags?: boolean }): Promise<void> {
    const sel = this.selected;
    if (!sel) return;
    if ((await sel.sync(options, () => this.selected === sel)) === 'gone') {
      await this.untaggedStatus('BYE', undefined, 'Selected mailbox was deleted');
      this.conn.close();
      this.close();
    }
  }

  async announceExpunged(uids: readonly number[]): Promise<void> {
    await this.current.expunged(uids);
  }

  async sendFlags(m: MessageSummary): Promise<void> {
    await this.current.sendFlags(m);
  }

  keywordAnnouncement(flags: readonly string[]): Buffer[] {
    return this.current.keywordAnnouncement(flags);
  }
}
