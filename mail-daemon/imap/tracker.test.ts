// The sequence tracker alone: tables of (view, store changes) → what the client is told,
// and of sequence/UID sets → UIDs.
import { describe, expect, it } from 'vitest';
import type { FolderChanges, MessageSummary } from './backend';
import { ParseError } from './protocol/reader';
import { parseSequenceSet } from './protocol/sequence';
import { SequenceTracker, type Announcement } from './tracker';

const msg = (uid: number, modseq: number, flags: string[] = ['\\Seen']): MessageSummary => ({ uid, flags, modseq });

function changes(c: Partial<FolderChanges>): FolderChanges {
  return { expunged: [], added: [], updated: [], recent: [], highestModseq: 0, uidNext: 0, gone: false, ...c };
}

function tracker(uids: number[], modseq = 10, uidNext = uids.length ? uids[uids.length - 1] + 1 : 1): SequenceTracker {
  return new SequenceTracker({ uids, modseq, uidNext });
}

describe('sequence numbers', () => {
  const t = tracker([3, 5, 9, 12]);
  const cases: [string, string, boolean, number[] | 'error'][] = [
    ['one number', '2', false, [5]],
    ['range', '2:3', false, [5, 9]],
    ['star is the last number', '*', false, [12]],
    ['reversed range', '3:1', false, [3, 5, 9]],
    ['beyond the folder is a client error', '5', false, 'error'],
    ['UID that exists', '9', true, [9]],
    ['UID that does not exist', '4', true, []],
    ['UID range over gaps', '4:10', true, [5, 9]],
    ['UID star is the highest UID', '10:*', true, [12]],
    ['UID beyond everything still names the highest (RFC 3501 6.4.8)', '100:*', true, [12]],
    ['overlapping parts once each', '1:2,2:3', false, [3, 5, 9]],
  ];
  it.each(cases)('%s', (_name, set, uid, expected) => {
    if (expected === 'error') expect(() => t.resolve(parseSequenceSet(set), uid)).toThrow(ParseError);
    else expect(t.resolve(parseSequenceSet(set), uid)).toEqual(expected);
  });

  it('maps UIDs to sequence numbers, 0 for unknown ones', () => {
    expect([3, 5, 9, 12, 4, 13].map((u) => t.seqOf(u))).toEqual([1, 2, 3, 4, 0, 0]);
    expect(t.count).toBe(4);
    expect(t.highestUid).toBe(12);
  });

  it('an empty folder only accepts star', () => {
    const e = tracker([]);
    expect(e.resolve(parseSequenceSet('*'), false)).toEqual([]);
    expect(e.resolve(parseSequenceSet('1:*'), true)).toEqual([]);
    expect(() => e.resolve(parseSequenceSet('1'), false)).toThrow(ParseError);
    expect(e.highestUid).toBe(0);
  });
});

describe('change computation', () => {
  // [name, starting UIDs, store changes, expunges allowed, QRESYNC, announcements, UIDs afterwards]
  const cases: [string, number[], Partial<FolderChanges>, boolean, boolean, Announcement[], number[]][] = [
    ['nothing changed', [1, 2], {}, true, false, [], [1, 2]],
    ['new messages: one EXISTS with the new count', [1, 2], { added: [msg(3, 11), msg(4, 11)], uidNext: 5 }, true, false, [{ kind: 'exists', count: 4, added: [3, 4] }], [1, 2, 3, 4]],
    ['added below UIDNEXT already known: no EXISTS', [1, 2], { added: [msg(2, 11)] }, true, false, [], [1, 2]],
    ['flag change of another session', [1, 2], { updated: [msg(2, 11)] }, true, false, [{ kind: 'flags', seq: 2, message: msg(2, 11) }], [1, 2]],
    ['flag change of a message the client does not know', [1, 2], { updated: [msg(7, 11)] }, true, false, [], [1, 2]],
    ['expunges highest first, numbered as the client sees them', [1, 2, 3, 4], { expunged: [2, 4] }, true, false, [{ kind: 'expunge', seq: 4 }, { kind: 'expunge', seq: 2 }], [1, 3]],
    ['expunges held back during FETCH/STORE/SEARCH (RFC 3501 7.4.1)', [1, 2, 3], { expunged: [2] }, false, false, [], [1, 2, 3]],
    ['expunge of an unknown UID is ignored', [1, 2], { expunged: [9] }, true, false, [], [1, 2]],
    ['QRESYNC: one VANISHED', [1, 2, 3, 4], { expunged: [2, 4] }, true, true, [{ kind: 'vanished', uids: [2, 4] }], [1, 3]],
    [
      'flags, then EXISTS, then EXPUNGE',
      [1, 2, 3],
      { expunged: [1], updated: [msg(3, 12)], added: [msg(4, 12)], uidNext: 5 },
      true,
      false,
      [{ kind: 'flags', seq: 3, message: msg(3, 12) }, { kind: 'exists', count: 4, added: [4] }, { kind: 'expunge', seq: 1 }],
      [2, 3, 4],
    ],
    [
      'a held-back expunge keeps numbers valid for the new EXISTS count',
      [1, 2],
      { expunged: [1], added: [msg(3, 12)], uidNext: 4 },
      false,
      false,
      [{ kind: 'exists', count: 3, added: [3] }],
      [1, 2, 3],
    ],
  ];
  it.each(cases)('%s', (_name, uids, c, expunge, qresync, expected, after) => {
    const t = tracker(uids);
    const out = [...t.apply(changes(c)), ...(expunge ? t.flushExpunges(qresync) : [])];
    expect(out).toEqual(expected);
    expect(t.resolve(parseSequenceSet('1:*'), true)).toEqual(after);
  });

  it('held-back expunges go out at the next chance', () => {
    const t = tracker([1, 2, 3]);
    t.apply(changes({ expunged: [1, 3] }));
    expect(t.seqOf(3)).toBe(3);
    expect(t.flushExpunges(false)).toEqual([{ kind: 'expunge', seq: 3 }, { kind: 'expunge', seq: 1 }]);
    expect(t.flushExpunges(false)).toEqual([]);
    expect(t.count).toBe(1);
  });

  it('an expunge announced directly (EXPUNGE, MOVE) is not announced again', () => {
    const t = tracker([1, 2, 3]);
    t.apply(changes({ expunged: [2] }));
    expect(t.expunged([2], false)).toEqual([{ kind: 'expunge', seq: 2 }]);
    expect(t.flushExpunges(false)).toEqual([]);
    // The store reports the expunging session's own expunges again: already gone here.
    expect(t.apply(changes({ expunged: [2] }))).toEqual([]);
    expect(t.flushExpunges(false)).toEqual([]);
  });

  it('asks the store from what it knows, and advances', () => {
    const t = tracker([1, 2], 10, 3);
    expect(t.beginChanges()).toEqual({ modseq: 10, uidNext: 3 });
    t.apply(changes({ highestModseq: 15, uidNext: 7 }));
    expect(t.beginChanges()).toEqual({ modseq: 15, uidNext: 7 });
    t.apply(changes({ highestModseq: 12, uidNext: 5 }));
    expect(t.beginChanges()).toEqual({ modseq: 15, uidNext: 7 });
  });
});

describe('own writes', () => {
  // [name, what the session did, store's updated list, FETCH responses expected]
  const cases: [string, (t: SequenceTracker) => void, MessageSummary[], number[]][] = [
    ['a STORE is not echoed', (t) => t.ownWrite([msg(1, 11), msg(2, 11)]), [msg(1, 11), msg(2, 11)], []],
    ['a later change by another session is', (t) => t.ownWrite([msg(1, 11)]), [msg(1, 12)], [1]],
    ['flags already sent by FETCH are not echoed', (t) => t.sent(2, 11), [msg(2, 11)], []],
    ['others still are', (t) => t.sent(2, 11), [msg(1, 11), msg(2, 11)], [1]],
  ];
  it.each(cases)('%s', (_name, act, updated, seqs) => {
    const t = tracker([1, 2]);
    act(t);
    const out = t.apply(changes({ updated }));
    expect(out.map((a) => (a.kind === 'flags' ? a.seq : -1))).toEqual(seqs);
  });

  it('own writes are forgotten after one change computation', () => {
    const t = tracker([1]);
    t.ownWrite([msg(1, 11)]);
    t.apply(changes({}));
    expect(t.apply(changes({ updated: [msg(1, 11)] }))).toHaveLength(1);
  });

  // [name, own writes (uid, modseq) lists, notifications, whether each needs a change computation]
  const notifications: [string, MessageSummary[][], (number | null)[], boolean[]][] = [
    ['another session’s write', [], [11], [true]],
    ['our own write’s echo, once', [[msg(1, 11)]], [11, 11], [false, true]],
    ['a STORE is one write: its highest modseq', [[msg(1, 9), msg(2, 12)]], [9, 12], [true, false]],
    ['a notification without modseq always counts', [[msg(1, 11)]], [null], [true]],
  ];
  it.each(notifications)('notification: %s', (_name, writes, events, expected) => {
    const t = tracker([1, 2]);
    for (const w of writes) t.ownWrite(w);
    const got = events.map((e) => {
      t.beginChanges();
      const needed = t.notify(e);
      expect(t.hasChanges).toBe(needed);
      return needed;
    });
    expect(got).toEqual(expected);
  });
});
