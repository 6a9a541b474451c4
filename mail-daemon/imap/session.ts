// One IMAP connection's protocol state: the explicit state machine (RFC 3501 3),
// the serial command loop dispatching from the command table, the per-session
// sequence-number view (go-imap's tracker), and the rules for when untagged
// EXPUNGE/EXISTS/FETCH may be sent (RFC 3501 7.4.1).
import type { Logger } from '@/lib/log';
import {
  StoreError,
  SYSTEM_FLAGS,
  type FolderView,
  type MailSession,
  type MailStore,
  type MessageSummary,
} from './backend';
import { Code } from './codes';
import { COMMANDS, type Completion } from './commands';
import { atom, statusLine, untagged, WireBuilder, type WireValue } from './protocol/encode';
import { CommandFramer, releaseFrame, type Frame, type FrameError } from './protocol/framer';
import { ParseError, Reader } from './protocol/reader';
import { BadCharsetError, SUPPORTED_CHARSETS } from './protocol/search';
import { formatSet, resolveStar, type SequenceSet } from './protocol/sequence';

export type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export const ALL_STATES: readonly State[] = ['not-authenticated', 'authenticated', 'selected', 'logout'];

/** The transport under a session: a TLS or plain socket (or a test double in unit tests). */
export interface Connection {
  readonly secure: boolean;
  readonly remoteAddress: string;
  /** Writes one response; false when the transport's buffer is full (then await drain()). */
  write(chunks: Buffer[]): boolean;
  drain(): Promise<void>;
  /** After the STARTTLS OK was written: upgrade the transport in place. */
  startTls(): Promise<void>;
  /** Input back-pressure while commands queue up. */
  pause(): void;
  resume(): void;
  close(): void;
}

export type LoginOutcome =
  | { ok: true; mailboxId: string; address: string }
  | { ok: false; reason: 'invalid' | 'throttled' | 'limit' };

export interface SessionDeps {
  store: MailStore;
  log: Logger;
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

export interface Selected {
  view: FolderView;
  readOnly: boolean;
  /** Sequence number n is uids[n - 1]; ascending. */
  uids: number[];
  modseq: number;
  uidNext: number;
  /** Expunges learned while they could not be announced (FETCH/STORE/SEARCH). */
  pendingExpunge: Set<number>;
  /** Flag changes this session made itself (uid → modseq), not echoed again. */
  ownUpdates: Map<number, number>;
  /** A change notification arrived, or we wrote: check changes() at the next chance. */
  dirty: boolean;
  /** Modseqs of this session's own flag writes: their notifications need no changes() call. */
  ownModseqs?: Set<number>;
}

function binarySearch(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = list[mid];
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export class ImapSession {
  state: State = 'not-authenticated';
  mail: MailSession | null = null;
  user: string | null = null;
  selected: Selected | null = null;
  /** ENABLEd extensions (CONDSTORE; QRESYNC not offered). */
  readonly enabled = new Set<string>();
  /** A FETCH with MODSEQ or a CONDSTORE SELECT turns CONDSTORE on implicitly (RFC 7162 3.1). */
  condstore = false;
  /** In IDLE: changes are pushed as they arrive. */
  idling = false;
  private lineWaiter: ((line: string) => void) | null = null;
  private readonly framer: CommandFramer;
  private queue: (Frame | FrameError)[] = [];
  private running = false;
  private unwatch: (() => void) | null = null;
  private closed = false;
  private cleartextAllowed = false;

  constructor(
    readonly conn: Connection,
    readonly deps: SessionDeps,
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

  get log(): Logger {
    return this.deps.log;
  }

  get secure(): boolean {
    return this.conn.secure;
  }

  /** May LOGIN/AUTHENTICATE be used on this connection now? */
  get authAllowed(): boolean {
    return this.conn.secure || this.cleartextAllowed;
  }

  async start(): Promise<void> {
    this.cleartextAllowed = await this.deps.allowCleartextAuth().catch(() => false);
    this.write(statusLine('*', 'OK', `${Code.CAPABILITY} ${this.capabilities().join(' ')}`, `${this.deps.serverName ?? 'Postern'} IMAP ready`));
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE'];
    caps.push('CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'STATUS=SIZE', 'LIST-EXTENDED', 'LIST-STATUS', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'QUOTA', `APPENDLIMIT=${this.deps.store.limits.appendLimit}`);
    if (this.state === 'not-authenticated') {
      if (!this.conn.secure && this.deps.starttls) caps.push('STARTTLS');
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
    await this.send(untagged(...values));
  }

  async untaggedStatus(status: 'OK' | 'NO' | 'BAD' | 'BYE', code: string | undefined, text: string): Promise<void> {
    await this.send(statusLine('*', status, code, text));
  }

  /** Waits for the next raw line (AUTHENTICATE responses, IDLE's DONE). */
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
        if ('parts' in item) await this.execute(item).finally(() => releaseFrame(item));
        else await this.send(statusLine(item.tag, item.status, item.code, item.text));
      }
    } finally {
      this.running = false;
    }
  }

  // ---------------------------------------------------------------- commands

  private async execute(frame: Frame): Promise<void> {
    const r = new Reader(frame.parts);
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
    const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
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
      completion = this.errorCompletion(err, name);
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

  errorCompletion(err: unknown, name: string): Completion {
    if (err instanceof BadCharsetError) return { status: 'NO', code: `${Code.BADCHARSET} (${SUPPORTED_CHARSETS.join(' ')})`, text: 'Unsupported charset' };
    if (err instanceof ParseError) return { status: 'BAD', code: Code.CLIENTBUG, text: `${name}: ${err.message}` };
    if (err instanceof StoreError) {
      switch (err.code) {
        case 'nonexistent':
          return { status: 'NO', code: Code.NONEXISTENT, text: 'No such mailbox' };
        case 'alreadyexists':
          return { status: 'NO', code: Code.ALREADYEXISTS, text: 'Mailbox already exists' };
        case 'overquota':
          return { status: 'NO', code: Code.OVERQUOTA, text: 'Quota exceeded' };
        case 'toobig':
          return { status: 'NO', code: Code.TOOBIG, text: 'Message too large' };
        case 'readonly':
          return { status: 'NO', code: Code.READ_ONLY, text: 'Mailbox is read-only' };
        case 'invalid':
          return { status: 'BAD', code: Code.CLIENTBUG, text: 'Invalid arguments' };
        case 'cannot':
        default:
          return { status: 'NO', code: Code.CANNOT, text: 'Operation not permitted on this mailbox' };
      }
    }
    this.log.error({ err, command: name }, 'imap: command failed');
    return { status: 'NO', code: Code.SERVERBUG, text: 'Internal error, try again later' };
  }

  // ---------------------------------------------------------------- states

  async authenticated(mailboxId: string, address: string): Promise<void> {
    this.mail = await this.deps.store.open(mailboxId);
    this.user = address;
    this.state = 'authenticated';
    this.unwatch = this.mail.watch((event) => {
      const sel = this.selected;
      if (!sel || event.kind !== 'messages') return;
      if (event.folderId !== null && event.folderId !== sel.view.folder.id) return;
      if (event.modseq !== null && sel.ownModseqs?.delete(event.modseq)) return;
      sel.dirty = true;
      if (this.idling) void this.idleSync();
    });
  }

  private idleSyncing: Promise<void> | null = null;

  async idleSync(): Promise<void> {
    if (this.idleSyncing) return;
    this.idleSyncing = (async () => {
      try {
        while (this.idling && this.selected?.dirty) await this.sync({ expunge: true, force: false });
      } catch (err) {
        this.log.error({ err }, 'imap: IDLE change sync failed');
      } finally {
        this.idleSyncing = null;
      }
    })();
    await this.idleSyncing;
  }

  /** Waits for an IDLE push in flight (DONE arrived while one runs). */
  async idleSettled(): Promise<void> {
    if (this.idleSyncing) await this.idleSyncing;
  }

  select(selected: Selected): void {
    this.selected = selected;
    this.state = 'selected';
  }

  deselect(): void {
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

  /** The connection is gone: free everything. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.framer.stop();
    for (const item of this.queue) if ('parts' in item) releaseFrame(item);
    this.queue = [];
    this.unwatch?.();
    this.mail?.close();
    if (this.user) this.deps.logout?.(this.user);
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    waiter?.('');
    this.idling = false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------- sequence view

  seqOf(uid: number): number {
    const sel = this.selected!;
    return binarySearch(sel.uids, uid) + 1;
  }

  /** The UIDs (ascending, known to this session) a sequence set or UID set names. */
  resolve(set: SequenceSet, uid: boolean): number[] {
    const sel = this.selected!;
    const uids = sel.uids;
    if (uids.length === 0) {
      if (!uid && set.some((r) => r.end !== Infinity || r.start !== Infinity)) throw new ParseError('Invalid message sequence number');
      return [];
    }
    const out = new Set<number>();
    if (!uid) {
      // RFC 3501 9 (seq-number): a number beyond the mailbox is a client error.
      if (set.some((r) => (r.end !== Infinity && r.end > uids.length) || (r.start !== Infinity && r.start > uids.length))) {
        throw new ParseError('Invalid message sequence number');
      }
      for (const { start, end } of resolveStar(set, uids.length)) {
        for (let n = Math.max(1, start); n <= Math.min(end, uids.length); n++) out.add(uids[n - 1]);
      }
    } else {
      const max = uids[uids.length - 1];
      for (const { start, end } of resolveStar(set, max)) {
        let i = lowerBound(uids, start);
        for (; i < uids.length && uids[i] <= end; i++) out.add(uids[i]);
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- change announcements

  /**
   * Applies what changed in the selected folder to this session's view and tells the
   * client: EXPUNGE (only when `expunge`), EXISTS/RECENT, FETCH FLAGS. With `force`
   * the store is asked even without a notification (NOOP, CHECK, IDLE start).
   */
  async sync({ expunge, force }: { expunge: boolean; force: boolean }): Promise<void> {
    const sel = this.selected;
    if (!sel) return;
    if (sel.dirty || force) {
      sel.dirty = false;
      const changes = await sel.view.changes({ modseq: sel.modseq, uidNext: sel.uidNext });
      if (this.selected !== sel) return;
      if (changes.gone) {
        await this.untaggedStatus('BYE', undefined, 'Selected mailbox was deleted');
        this.conn.close();
        this.close();
        return;
      }
      for (const uid of changes.expunged) if (binarySearch(sel.uids, uid) >= 0) sel.pendingExpunge.add(uid);
      const updates = changes.updated.filter((m) => sel.ownUpdates.get(m.uid) !== m.modseq && binarySearch(sel.uids, m.uid) >= 0);
      sel.ownUpdates.clear();
      sel.ownModseqs?.clear();
      for (const m of updates) await this.sendFlags(m);
      const added = changes.added.filter((m) => m.uid >= sel.uidNext);
      if (added.length) {
        for (const m of added) sel.uids.push(m.uid);
        sel.uids.sort((a, b) => a - b);
        await this.untagged(sel.uids.length, atom('EXISTS'));
        await this.untagged(sel.view.recentUids().size, atom('RECENT'));
      }
      sel.modseq = Math.max(sel.modseq, changes.highestModseq);
      sel.uidNext = Math.max(sel.uidNext, changes.uidNext);
    }
    if (expunge && sel.pendingExpunge.size) {
      const gone = [...sel.pendingExpunge].sort((a, b) => a - b);
      sel.pendingExpunge.clear();
      await this.announceExpunged(gone);
    }
  }

  /** Records a flag write of ours (STORE, \\Seen by FETCH) so its echo is neither sent nor waited for. */
  ownWrite(uid: number, modseq: number): void {
    const sel = this.selected!;
    if (uid) sel.ownUpdates.set(uid, modseq);
    (sel.ownModseqs ??= new Set()).add(modseq);
    if (sel.ownModseqs.size > 10_000) sel.ownModseqs.clear();
  }

  /** QRESYNC is enabled: VANISHED replaces EXPUNGE, FETCH responses carry UID. */
  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  /** Sends `* n EXPUNGE` (or one `* VANISHED set` with QRESYNC) for UIDs still in the view, removing them. */
  async announceExpunged(uids: number[]): Promise<void> {
    const sel = this.selected!;
    if (this.qresync) {
      const gone = uids.filter((uid) => binarySearch(sel.uids, uid) >= 0);
      if (!gone.length) return;
      const goneSet = new Set(gone);
      sel.uids = sel.uids.filter((u) => !goneSet.has(u));
      for (const uid of gone) sel.pendingExpunge.delete(uid);
      await this.untagged(atom('VANISHED'), atom(formatSet(gone)));
      return;
    }
    // Highest first: the numbers the client sees stay valid while it applies them.
    for (const uid of [...uids].sort((a, b) => b - a)) {
      const i = binarySearch(sel.uids, uid);
      if (i < 0) continue;
      sel.uids.splice(i, 1);
      sel.pendingExpunge.delete(uid);
      await this.untagged(i + 1, atom('EXPUNGE'));
    }
  }

  flagsWithRecent(uid: number, flags: string[]): WireValue {
    const sel = this.selected!;
    const ordered = [...SYSTEM_FLAGS.filter((f) => flags.includes(f)), ...flags.filter((f) => !SYSTEM_FLAGS.includes(f))];
    const list = ordered.map((f) => atom(f));
    if (sel.view.recentUids().has(uid)) list.push(atom('\\Recent'));
    return list;
  }

  /** `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])`. */
  async sendFlags(m: MessageSummary): Promise<void> {
    const seq = this.seqOf(m.uid);
    if (seq <= 0) return;
    const items: WireValue[] = [atom('UID'), m.uid, atom('FLAGS'), this.flagsWithRecent(m.uid, m.flags)];
    if (this.condstore) items.push(atom('MODSEQ'), [m.modseq]);
    await this.untagged(seq, atom('FETCH'), items);
  }

  /** Builds a response in pieces (FETCH). */
  builder(): WireBuilder {
    return new WireBuilder();
  }
}

function lowerBound(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
