// RFC 5256 4 threading algorithms over typed rows: one case per step of the algorithms.
import { describe, expect, it } from 'vitest';
import type { ThreadNode } from '@/mail-daemon/imap/backend';
import { orderedSubject, references, type ThreadRow } from './thread';

type Row = Partial<ThreadRow> & { uid: number };
const T0 = Date.UTC(2026, 0, 1);

/** Defaults: date ascending with the UID, a subject of its own, no ids. */
function rows(list: Row[]): ThreadRow[] {
  return list.map((r) => ({ subject: `S${r.uid}`, replyOrForward: false, date: T0 + r.uid * 60_000, messageId: null, parents: [], ...r }));
}

/** The wire shape of RFC 5256's thread-list, to read the expectations as the RFC writes them. */
function shape(nodes: ThreadNode[]): string {
  const members = (n: ThreadNode): string => {
    const chain: number[] = [];
    let x = n;
    for (;;) {
      if (x.uid !== null) chain.push(x.uid);
      if (x.children.length !== 1) break;
      x = x.children[0];
    }
    const nested = x.children.length > 1 ? x.children.map((c) => `(${members(c)})`).join('') : '';
    return [chain.join(' '), nested].filter(Boolean).join(' ');
  };
  return nodes.map((n) => `(${members(n)})`).join('');
}

describe('RFC 5256 4 ORDEREDSUBJECT', () => {
  it.each<[string, Row[], string]>([
    ['one thread per base subject, the first message the parent of the others', [
      { uid: 1, subject: 'A' }, { uid: 2, subject: 'B' }, { uid: 3, subject: 'A' }, { uid: 4, subject: 'A' },
    ], '(1 (3)(4))(2)'],
    ['a single reply follows its parent', [{ uid: 1, subject: 'A' }, { uid: 2, subject: 'A' }], '(1 2)'],
    ['within a subject by sent date, threads by their first message\'s sent date', [
      { uid: 1, subject: 'B', date: T0 + 5 }, { uid: 2, subject: 'A', date: T0 + 9 }, { uid: 3, subject: 'A', date: T0 + 1 }, { uid: 4, subject: 'B', date: T0 + 2 },
    ], '(3 2)(4 1)'],
    ['equal dates go by sequence number', [{ uid: 2, subject: 'X', date: T0 }, { uid: 1, subject: 'Y', date: T0 }], '(1)(2)'],
    ['messages without a subject share one thread', [{ uid: 1, subject: '' }, { uid: 2, subject: '' }], '(1 2)'],
  ])('%s', (_what, input, want) => {
    expect(shape(orderedSubject(rows(input)))).toBe(want);
  });
});

describe('RFC 5256 4 REFERENCES', () => {
  it.each<[string, Row[], string]>([
    ['(1A) references link into a chain, (1B) the message under the last one', [
      { uid: 1, messageId: 'a' }, { uid: 2, messageId: 'b', parents: ['a'] }, { uid: 3, messageId: 'c', parents: ['a', 'b'] },
    ], '(1 2 3)'],
    ['RFC 5256 6.4\'s example shape (2)(3 6 (4 23)(44 7 96))', [
      { uid: 2, messageId: 'm2' }, { uid: 3, messageId: 'm3' }, { uid: 4, messageId: 'm4', parents: ['m3', 'm6'] },
      { uid: 6, messageId: 'm6', parents: ['m3'] }, { uid: 7, messageId: 'm7', parents: ['m3', 'm6', 'm44'] },
      { uid: 23, messageId: 'm23', parents: ['m3', 'm6', 'm4'] }, { uid: 44, messageId: 'm44', parents: ['m3', 'm6'] },
      { uid: 96, messageId: 'm96', parents: ['m3', 'm6', 'm44', 'm7'] },
    ], '(2)(3 6 (4 23)(44 7 96))'],
    ['(1A) a reference no message has is a placeholder; (3) one child takes its place', [
      { uid: 1, messageId: 'b', parents: ['missing'] },
    ], '(1)'],
    ['(3) a placeholder under the root with several children stays', [
      { uid: 1, messageId: 'b', parents: ['missing'], subject: 'ONE' }, { uid: 2, messageId: 'c', parents: ['missing'], subject: 'TWO' },
    ], '((1)(2))'],
    ['(3) a placeholder below the root gives its children to its parent', [
      { uid: 1, messageId: 'a' }, { uid: 2, messageId: 'c', parents: ['a', 'missing'] }, { uid: 3, messageId: 'd', parents: ['a', 'missing'] },
      { uid: 4, messageId: 'e', parents: ['a'] },
    ], '(1 (2)(3)(4))'],
    ['(1A) an existing parent link is kept', [
      { uid: 1, messageId: 'a' }, { uid: 2, messageId: 'b', parents: ['a'] }, { uid: 3, messageId: 'c', parents: ['x', 'b'] },
    ], '(1 2 3)'],
    ['(1A, 1B) no link that would make a loop', [
      { uid: 1, messageId: 'a', parents: ['b'] }, { uid: 2, messageId: 'b', parents: ['a'] },
    ], '(2 1)'],
    ['a message referencing itself is not its own parent', [{ uid: 1, messageId: 'a', parents: ['a'] }], '(1)'],
    ['(1) a duplicate Message-ID gets an id of its own', [
      { uid: 1, messageId: 'a' }, { uid: 2, messageId: 'a' }, { uid: 3, messageId: 'c', parents: ['a'] },
    ], '(1 3)(2)'],
    ['(1) no Message-ID: a message of its own, still under its references', [
      { uid: 1, messageId: 'a' }, { uid: 2, parents: ['a'] }, { uid: 3 },
    ], '(1 2)(3)'],
    ['(4) threads by the sent date of their first message, ties by sequence number', [
      { uid: 1, date: T0 + 30 }, { uid: 2, date: T0 + 10 }, { uid: 3, date: T0 + 10 },
    ], '(2)(3)(1)'],
    ['(5) a reply by subject goes under the thread it replies to', [
      { uid: 1, messageId: 'a', subject: 'HELLO' }, { uid: 2, messageId: 'b', subject: 'HELLO', replyOrForward: true },
    ], '(1 2)'],
    ['(5) the original is preferred even when the reply came first', [
      { uid: 1, messageId: 'b', subject: 'HELLO', replyOrForward: true, date: T0 + 1 }, { uid: 2, messageId: 'a', subject: 'HELLO', date: T0 + 2 },
    ], '(2 1)'],
    ['(5) two originals with one subject meet under a placeholder', [
      { uid: 1, messageId: 'a', subject: 'HELLO' }, { uid: 2, messageId: 'b', subject: 'HELLO' },
    ], '((1)(2))'],
    ['(5) a thread joins a placeholder of the same subject', [
      { uid: 1, messageId: 'x1', parents: ['gone'], subject: 'HELLO' }, { uid: 2, messageId: 'x2', parents: ['gone'], subject: 'HELLO' },
      { uid: 3, messageId: 'x3', subject: 'HELLO', replyOrForward: true },
    ], '((1)(2)(3))'],
    ['(5) an empty base subject gathers nothing', [{ uid: 1, subject: '' }, { uid: 2, subject: '' }], '(1)(2)'],
    ['(6) siblings by sent date at every level', [
      { uid: 1, messageId: 'a' }, { uid: 2, messageId: 'b', parents: ['a'], date: T0 + 9e6 }, { uid: 3, messageId: 'c', parents: ['a'], date: T0 + 5e6 },
    ], '(1 (3)(2))'],
  ])('%s', (_what, input, want) => {
    expect(shape(references(rows(input)))).toBe(want);
  });

  it('threads a reply chain as long as a large folder without running out of stack', () => {
    const n = 50_000;
    const chain = rows(Array.from({ length: n }, (_, i) => ({ uid: i + 1, messageId: `m${i + 1}`, parents: i ? [`m${i}`] : [], subject: 'LONG' })));
    const threads = references(chain);
    expect(threads).toHaveLength(1);
    let depth = 1;
    for (let x = threads[0]; x.children.length; x = x.children[0]) depth++;
    expect(depth).toBe(n);
  });
});
