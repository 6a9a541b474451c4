// The selected state of one session: the folder's view, the session's tracker of its
// message numbers, and writing what the tracker announces (RFC 3501 7.3.1 EXISTS and
// RECENT, 7.4.1 EXPUNGE, 7.4.2 FETCH; RFC 7162 3.2.10 VANISHED), and FLAGS before any
// FETCH that shows a keyword the client was not told of (RFC 3501 7.2.6).
import { SYSTEM_FLAGS, type FolderView, type MessageSummary } from './backend';
import { Code } from './codes';
import { atom, statusLine, untagged } from './protocol/encode';
import { flagsResponse } from './protocol/fetch-response';
import { formatSet } from './protocol/sequence';
import { SequenceTracker, type Announcement, type TrackerStart } from './tracker';
import { ResultContexts } from './contexts';

/** Where announcements go, and the extensions that shape them. */
export interface AnnouncementWriter {
  send(chunks: Buffer[]): Promise<void>;
  readonly condstore: boolean;
  readonly qresync: boolean;
  /** RFC 9051: no \Recent, no RECENT response. */
  readonly imap4rev2: boolean;
  /** After EXISTS for these new UIDs (NOTIFY MessageNew's fetch attributes). */
  newMessages(uids: readonly number[]): Promise<void>;
}

export type SyncOutcome = 'done' | 'deselected' | 'gone';

/** `* FLAGS (...)`: the system flags and these keywords (RFC 3501 7.2.6). */
export function flagsLine(keywords: Iterable<string>): Buffer[] {
  return untagged(atom('FLAGS'), [...SYSTEM_FLAGS, ...keywords].map(atom));
}

/** `* OK [PERMANENTFLAGS (...)]`: what STORE keeps, new keywords included (\*); none on a read-only view (RFC 3501 7.1). */
export function permanentFlagsLine(keywords: Iterable<string>, readOnly: boolean): Buffer[] {
  if (readOnly) return statusLine('*', 'OK', `${Code.PERMANENTFLAGS} ()`, 'No permanent flags permitted');
  return statusLine('*', 'OK', `${Code.PERMANENTFLAGS} (${[...SYSTEM_FLAGS, ...keywords, '\\*'].join(' ')})`, 'Flags permitted');
}

export class Selection {
  readonly tracker: SequenceTracker;
  /** RFC 5267 UPDATE contexts: re-evaluated after each change the client is told of, before held-back expunges go out. */
  readonly contexts: ResultContexts;
  /**
   * Keywords the client was told of by FLAGS, in the order it was told. Every FETCH this
   * session writes is checked against it, so a keyword set by any session or process is
   * announced here before the first FETCH that shows it.
   */
  private readonly announced: Set<string>;

  constructor(
    readonly view: FolderView,
    start: TrackerStart,
    private readonly out: AnnouncementWriter,
    /** The flags the FLAGS response of SELECT/EXAMINE listed. */
    announcedFlags: readonly string[],
  ) {
    this.tracker = new SequenceTracker(start);
    this.contexts = new ResultContexts(view, this.tracker, (chunks) => out.send(chunks));
    this.announced = new Set(announcedFlags.filter((f) => !f.startsWith('\\')));
  }

  /** FLAGS and PERMANENTFLAGS to send before a FETCH showing `flags`, when one is a new keyword; else none. */
  keywordAnnouncement(flags: readonly string[]): Buffer[] {
    const fresh = flags.filter((f) => !f.startsWith('\\') && !this.announced.has(f));
    if (!fresh.length) return [];
    for (const f of fresh) this.announced.add(f);
    return [...flagsLine(this.announced), ...permanentFlagsLine(this.announced, this.view.readOnly)];
  }

  private async announceKeywords(messages: readonly MessageSummary[]): Promise<void> {
    const lines = this.keywordAnnouncement(messages.flatMap((m) => m.flags));
    if (lines.length) await this.out.send(lines);
  }

  /**
   * Asks the store what changed (when notified, or always with `force`) and tells the
   * client; held-back expunges go out only when `expunge`. `stillSelected` is checked
   * after the store answers: a SELECT in between makes the answer stale. 'gone': the
   * folder was deleted under the view.
   */
  async sync({ expunge, force, flags = true }: { expunge: boolean; force: boolean; flags?: boolean }, stillSelected: () => boolean): Promise<SyncOutcome> {
    if (this.tracker.hasChanges || force) {
      const changes = await this.view.changes(this.tracker.beginChanges());
      if (!stillSelected()) return 'deselected';
      if (changes.gone) return 'gone';
      // New messages' keywords before their EXISTS, as after SELECT.
      await this.announceKeywords(changes.added);
      // flags: false (a NOTIFY without FlagChange) leaves out other sessions' flag changes.
      await this.announce(this.tracker.apply(changes).filter((a) => flags || a.kind !== 'flags'));
      if (changes.expunged.length || changes.added.length || changes.updated.length) this.contexts.touch();
    }
    await this.contexts.update();
    if (expunge) await this.announce(this.tracker.flushExpunges(this.out.qresync));
    return 'done';
  }

  /** EXPUNGE (or VANISHED) now, for UIDs the client still knows. */
  async expunged(uids: readonly number[]): Promise<void> {
    this.contexts.touch();
    await this.contexts.update();
    await this.announce(this.tracker.expunged(uids, this.out.qresync));
  }

  /** `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])` for a message the client knows. */
  async sendFlags(m: MessageSummary): Promise<void> {
    const seq = this.tracker.seqOf(m.uid);
    if (seq > 0) await this.flags(seq, m);
  }

  private async flags(seq: number, m: MessageSummary): Promise<void> {
    const recent = !this.out.imap4rev2 && this.view.recentUids().has(m.uid);
    await this.announceKeywords([m]);
    await this.out.send(flagsResponse(seq, m, { uid: true, flags: true, modseq: this.out.condstore, recent }));
  }

  private async announce(list: Announcement[]): Promise<void> {
    for (const a of list) {
      switch (a.kind) {
        case 'expunge':
          await this.out.send(untagged(a.seq, atom('EXPUNGE')));
          break;
        case 'vanished':
          await this.out.send(untagged(atom('VANISHED'), atom(formatSet(a.uids))));
          break;
        case 'flags':
          await this.flags(a.seq, a.message);
          break;
        case 'exists':
          await this.out.send(untagged(a.count, atom('EXISTS')));
          if (!this.out.imap4rev2) await this.out.send(untagged(this.view.recentUids().size, atom('RECENT')));
          await this.out.newMessages(a.added);
          break;
      }
    }
  }
}
