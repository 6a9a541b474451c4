// RFC 5267 4.3: the UPDATE contexts of one selection. Each remembers its searching command's
// criteria (sequence numbers resolved when it was given, as 4.3 asks) and its last result;
// after every change the client is told of, the selection has them re-evaluated, and each
// context whose result changed sends ADDTO / REMOVEFROM. Results keep to the messages the
// client knows, so REMOVEFROM goes out before the EXPUNGE and ADDTO after the EXISTS.
import type { FolderView, SearchKey, SortCriterion } from './backend';
import { contextResponse } from './protocol/sort-response';

/** What a context needs of the selection's message numbers. */
export interface ContextNumbers {
  has(uid: number): boolean;
  seqOf(uid: number): number;
}

export interface ResultContext {
  tag: string;
  uid: boolean;
  /** SORT's criteria; null for SEARCH, whose result is in mailbox order. */
  criteria: readonly SortCriterion[] | null;
  key: SearchKey;
  /** The result the client has, UIDs in the requested order. */
  uids: number[];
}

/** Result changes as RFC 5267 4.3.3/4.3.4 positions them: pairs of (context position, UIDs). */
export interface ContextChanges {
  removed: [position: number, uids: number[]][];
  added: [position: number, uids: number[]][];
}

/**
 * From `before` to `after`. Sorted results: removals first, each run at the position it
 * starts at once the earlier runs are gone; then insertions in increasing position, runs
 * together (a message's sort keys never change, so what stays keeps its relative order).
 * SEARCH results: position 0 and the UIDs in mailbox order (4.3.3 allows and recommends it).
 */
export function contextChanges(before: readonly number[], after: readonly number[], sorted: boolean): ContextChanges {
  const kept = new Set(after);
  const had = new Set(before);
  if (!sorted) {
    const removed = before.filter((u) => !kept.has(u));
    const added = after.filter((u) => !had.has(u));
    return { removed: removed.length ? [[0, removed]] : [], added: added.length ? [[0, added]] : [] };
  }
  const out: ContextChanges = { removed: [], added: [] };
  let gone = 0;
  for (let i = 0; i < before.length; i++) {
    if (kept.has(before[i])) continue;
    const last = out.removed[out.removed.length - 1];
    if (i > 0 && !kept.has(before[i - 1]) && last) last[1].push(before[i]);
    else out.removed.push([i - gone + 1, [before[i]]]);
    gone++;
  }
  for (let i = 0; i < after.length; i++) {
    if (had.has(after[i])) continue;
    const last = out.added[out.added.length - 1];
    if (i > 0 && !had.has(after[i - 1]) && last) last[1].push(after[i]);
    else out.added.push([i + 1, [after[i]]]);
  }
  return out;
}

/** At least one updating context per client (4.3.1); beyond this many, NO [NOUPDATE]. */
export const MAX_CONTEXTS = 10;

export class ResultContexts {
  private readonly contexts = new Map<string, ResultContext>();
  private changed = false;

  constructor(
    private readonly view: FolderView,
    private readonly numbers: ContextNumbers,
    private readonly send: (chunks: Buffer[]) => Promise<void>,
  ) {}

  has(tag: string): boolean {
    return this.contexts.has(tag);
  }

  get full(): boolean {
    return this.contexts.size >= MAX_CONTEXTS;
  }

  add(context: ResultContext): void {
    this.contexts.set(context.tag, context);
  }

  /** CANCELUPDATE (4.3.5); false for a tag with no context. */
  cancel(tag: string): boolean {
    return this.contexts.delete(tag);
  }

  /** Something in the folder changed (another session, or this one's own write). */
  touch(): void {
    this.changed = true;
  }

  /** Re-evaluates every context after a change and sends what changed in its result. */
  async update(): Promise<void> {
    if (!this.changed) return;
    this.changed = false;
    for (const c of this.contexts.values()) {
      const now = (c.criteria ? await this.view.sort(c.criteria, c.key) : (await this.view.search(c.key)).uids.sort((a, b) => a - b)).filter((u) => this.numbers.has(u));
      const changes = contextChanges(c.uids, now, c.criteria !== null);
      c.uids = now;
      if (changes.removed.length || changes.added.length) {
        await this.send(contextResponse(c.tag, c.uid, changes, c.uid ? (u) => u : (u) => this.numbers.seqOf(u)));
      }
    }
  }
}
