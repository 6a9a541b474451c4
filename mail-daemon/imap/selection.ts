// The selected state of one session: the folder's view, the session's tracker of its
// message numbers, and writing what the tracker announces (RFC 3501 7.3.1 EXISTS and
// RECENT, 7.4.1 EXPUNGE, 7.4.2 FETCH; RFC 7162 3.2.10 VANISHED).
import type { FolderView, MessageSummary } from './backend';
import { atom, untagged } from './protocol/encode';
import { flagsResponse } from './protocol/fetch-response';
import { formatSet } from './protocol/sequence';
import { SequenceTracker, type Announcement, type TrackerStart } from './tracker';

/** Where announcements go, and the extensions that shape them. */
export interface AnnouncementWriter {
  send(chunks: Buffer[]): Promise<void>;
  readonly condstore: boolean;
  readonly qresync: boolean;
}

export type SyncOutcome = 'done' | 'deselected' | 'gone';

export class Selection {
  readonly tracker: SequenceTracker;

  constructor(
    readonly view: FolderView,
    start: TrackerStart,
    private readonly out: AnnouncementWriter,
  ) {
    this.tracker = new SequenceTracker(start);
  }

  /**
   * Asks the store what changed (when notified, or always with `force`) and tells the
   * client; held-back expunges go out only when `expunge`. `stillSelected` is checked
   * after the store answers: a SELECT in between makes the answer stale. 'gone': the
   * folder was deleted under the view.
   */
  async sync({ expunge, force }: { expunge: boolean; force: boolean }, stillSelected: () => boolean): Promise<SyncOutcome> {
    if (this.tracker.hasChanges || force) {
      const changes = await this.view.changes(this.tracker.beginChanges());
      if (!stillSelected()) return 'deselected';
      if (changes.gone) return 'gone';
      await this.announce(this.tracker.apply(changes));
    }
    if (expunge) await this.announce(this.tracker.flushExpunges(this.out.qresync));
    return 'done';
  }

  /** EXPUNGE (or VANISHED) now, for UIDs the client still knows. */
  async expunged(uids: readonly number[]): Promise<void> {
    await this.announce(this.tracker.expunged(uids, this.out.qresync));
  }

  /** `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])` for a message the client knows. */
  async sendFlags(m: MessageSummary): Promise<void> {
    const seq = this.tracker.seqOf(m.uid);
    if (seq > 0) await this.flags(seq, m);
  }

  private async flags(seq: number, m: MessageSummary): Promise<void> {
    const recent = this.view.recentUids().has(m.uid);
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
          await this.out.send(untagged(this.view.recentUids().size, atom('RECENT')));
          break;
      }
    }
  }
}
