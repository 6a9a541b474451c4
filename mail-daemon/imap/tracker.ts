// One session's view of the selected folder's message numbers (after go-imap v2's
// session tracker): the UID list (sequence number n = uids[n - 1]), expunges held back
// until the client may legally see them (RFC 3501 7.4.1: never during FETCH, STORE,
// SEARCH), the session's own writes, and the change computation that turns the store's
// changes into untagged EXPUNGE / VANISHED / FETCH / EXISTS. Pure: no I/O, no wire bytes.
import type { ChangesSince, FolderChanges, MessageSummary } from './backend';
import { ParseError } from './protocol/reader';
import { resolveStar, type SequenceSet } from './protocol/sequence';

/** What the client is to be told, in order; the session writes it. */
export type Announcement =
  /** `* seq EXPUNGE` (RFC 3501 7.4.1), numbered as the client sees the folder at that moment. */
  | { kind: 'expunge'; seq: number }
  /** `* VANISHED uids` (RFC 7162 3.2.10), once QRESYNC is enabled. */
  | { kind: 'vanished'; uids: number[] }
  /** `* seq FETCH (UID FLAGS [MODSEQ])`: another session changed the flags. */
  | { kind: 'flags'; seq: number; message: MessageSummary }
  /** `* n EXISTS` (and RECENT): new messages arrived, `added` their UIDs. */
  | { kind: 'exists'; count: number; added: number[] };

export interface TrackerStart {
  /** Ascending, as SELECT returned them. */
  uids: readonly number[];
  modseq: number;
  uidNext: number;
}

/** A client that saw a message's flags at some modseq need not be told them again. */
interface Reported {
  uid: number;
  modseq: number;
}

/** Own writes remembered for their notification before a change computation forgets them. */
const MAX_OWN_WRITES = 10_000;

export class SequenceTracker {
  private uids: number[];
  private modseq: number;
  private uidNext: number;
  /** Expunges learned while they could not be announced; still numbered in `uids`. */
  private readonly pendingExpunge = new Set<number>();
  /** uid → modseq the client already knows (our own writes, flags sent unasked): not echoed. */
  private readonly reported = new Map<number, number>();
  /** Modseqs of our own writes: their change notifications need no change computation. */
  private readonly ownWrites = new Set<number>();
  /** A change notification arrived: compute changes at the next chance. */
  private changed = false;

  constructor(start: TrackerStart) {
    this.uids = [...start.uids];
    this.modseq = start.modseq;
    this.uidNext = start.uidNext;
  }

  // ---------------------------------------------------------------- numbers

  /** Messages the client knows of (the last EXISTS minus the EXPUNGEs it was sent). */
  get count(): number {
    return this.uids.length;
  }

  /** The highest UID the client knows of, 0 for an empty folder ('*' in a UID set). */
  get highestUid(): number {
    return this.uids.length ? this.uids[this.uids.length - 1] : 0;
  }

  /** The sequence number of a UID, 0 when the client does not know it. */
  seqOf(uid: number): number {
    return binarySearch(this.uids, uid) + 1;
  }

  has(uid: number): boolean {
    return binarySearch(this.uids, uid) >= 0;
  }

  /**
   * The UIDs (ascending, known to this session) a sequence set or UID set names. A range with '*'
   * names what exists of it: nothing in an empty mailbox, where '*' has no message to stand for
   * (RFC 9051 9, seq-number), so FETCH 1:* there is an empty OK, as UID FETCH 1:* is.
   * A sequence number past the end without '*' is a client error (BAD), except with `pastEndMatchesNothing`
   * (SEARCH: such a number matches no message).
   */
  resolve(set: SequenceSet, uid: boolean, pastEndMatchesNothing = false): number[] {
    const uids = this.uids;
    const out = new Set<number>();
    if (!uid) {
      // RFC 3501 9 (seq-number): a number beyond the mailbox is a client error.
      const pastEnd = (r: { start: number; end: number }) => r.start !== Infinity && r.end !== Infinity && r.end > uids.length;
      if (!pastEndMatchesNothing && set.some(pastEnd)) throw new ParseError('Invalid message sequence number');
      if (uids.length === 0) return [];
      for (const { start, end } of resolveStar(set, uids.length)) {
        for (let n = Math.max(1, start); n <= Math.min(end, uids.length); n++) out.add(uids[n - 1]);
      }
    } else {
      for (const { start, end } of resolveStar(set, this.highestUid)) {
        for (let i = lowerBound(uids, start); i < uids.length && uids[i] <= end; i++) out.add(uids[i]);
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- own writes

  /**
   * This session wrote these flags (STORE, \Seen set by a FETCH): their echo in the next
   * change computation is not sent again, and the write's notification (the highest
   * modseq: unchanged messages keep older ones) is not waited for.
   */
  ownWrite(messages: readonly Reported[]): void {
    if (!messages.length) return;
    for (const m of messages) this.reported.set(m.uid, m.modseq);
    this.ownWrites.add(messages.reduce((max, m) => Math.max(max, m.modseq), 0));
    if (this.ownWrites.size > MAX_OWN_WRITES) this.ownWrites.clear();
  }

  /** The client was just sent this message's flags at this modseq (FETCH FLAGS): not echoed again. */
  sent(uid: number, modseq: number): void {
    this.reported.set(uid, modseq);
  }

  // ---------------------------------------------------------------- changes

  /**
   * A change notification for the folder (modseq null when the store did not say):
   * true when it needs a change computation, false when it is the echo of our own write.
   */
  notify(modseq: number | null): boolean {
    if (modseq !== null && this.ownWrites.delete(modseq)) return false;
    this.changed = true;
    return true;
  }

  /** Something changed the folder (a notification, our COPY or APPEND into it). */
  markChanged(): void {
    this.changed = true;
  }

  /** Does a change computation wait? */
  get hasChanges(): boolean {
    return this.changed;
  }

  /** Starts a change computation: what to ask the store for. Later notifications count again. */
  beginChanges(): ChangesSince {
    this.changed = false;
    return { modseq: this.modseq, uidNext: this.uidNext };
  }

  /**
   * Applies the store's changes: expunges are held back (numbers stay valid), flag
   * changes of other sessions become FETCH, new messages EXISTS. Forgets own writes.
   */
  apply(changes: FolderChanges): Announcement[] {
    const out: Announcement[] = [];
    for (const uid of changes.expunged) if (this.has(uid)) this.pendingExpunge.add(uid);
    for (const m of changes.updated) {
      if (this.reported.get(m.uid) === m.modseq || !this.has(m.uid)) continue;
      out.push({ kind: 'flags', seq: this.seqOf(m.uid), message: m });
    }
    this.reported.clear();
    this.ownWrites.clear();
    const added = changes.added.filter((m) => m.uid >= this.uidNext);
    if (added.length) {
      for (const m of added) this.uids.push(m.uid);
      this.uids.sort((a, b) => a - b);
      out.push({ kind: 'exists', count: this.uids.length, added: added.map((m) => m.uid) });
    }
    this.modseq = Math.max(this.modseq, changes.highestModseq);
    this.uidNext = Math.max(this.uidNext, changes.uidNext);
    return out;
  }

  /** The held-back expunges, now that the client may see them. */
  flushExpunges(qresync: boolean): Announcement[] {
    if (!this.pendingExpunge.size) return [];
    const gone = [...this.pendingExpunge].sort((a, b) => a - b);
    this.pendingExpunge.clear();
    return this.expunged(gone, qresync);
  }

  /**
   * Removes UIDs still in the view and says how to tell the client: one VANISHED with
   * QRESYNC, else one EXPUNGE each, highest first so the numbers the client sees stay
   * valid while it applies them.
   */
  expunged(uids: readonly number[], qresync: boolean): Announcement[] {
    if (qresync) {
      const gone = uids.filter((uid) => this.has(uid));
      if (!gone.length) return [];
      const goneSet = new Set(gone);
      this.uids = this.uids.filter((u) => !goneSet.has(u));
      for (const uid of gone) this.pendingExpunge.delete(uid);
      return [{ kind: 'vanished', uids: gone }];
    }
    const out: Announcement[] = [];
    for (const uid of [...uids].sort((a, b) => b - a)) {
      const i = binarySearch(this.uids, uid);
      if (i < 0) continue;
      this.uids.splice(i, 1);
      this.pendingExpunge.delete(uid);
      out.push({ kind: 'expunge', seq: i + 1 });
    }
    return out;
  }
}

function binarySearch(list: readonly number[], value: number): number {
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

function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
