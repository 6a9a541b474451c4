// RFC 5267 4.3.3 / 4.3.4: how a result change is told, as (context position, UIDs) pairs.
import { describe, expect, it } from 'vitest';
import { contextChanges, type ContextChanges } from './contexts';

/** Applies REMOVEFROM then ADDTO as a client does (4.3.2: in the order they appear). */
function replay(before: number[], c: ContextChanges): number[] {
  const list = [...before];
  for (const [pos, uids] of c.removed) list.splice(pos - 1, uids.length);
  for (const [pos, uids] of c.added) list.splice(pos - 1, 0, ...uids);
  return list;
}

describe('RFC 5267 4.3: sorted results keep their order', () => {
  it.each<[string, number[], number[], ContextChanges]>([
    ['nothing changed', [5, 3, 9], [5, 3, 9], { removed: [], added: [] }],
    ['one removed in the middle', [5, 3, 9], [5, 9], { removed: [[2, [3]]], added: [] }],
    ['a run removed at once', [5, 3, 9, 1], [5, 1], { removed: [[2, [3, 9]]], added: [] }],
    ['runs removed, positions after the earlier removals', [1, 2, 3, 4, 5, 6], [2, 4, 6], { removed: [[1, [1]], [2, [3]], [3, [5]]], added: [] }],
    ['inserted at the front and the end', [5, 3], [7, 5, 3, 8], { removed: [], added: [[1, [7]], [4, [8]]] }],
    ['a run inserted', [5, 3], [5, 10, 11, 3], { removed: [], added: [[2, [10, 11]]] }],
    ['removed and added together', [5, 3, 9], [4, 5, 9], { removed: [[2, [3]]], added: [[1, [4]]] }],
    ['from nothing', [], [2, 1], { removed: [], added: [[1, [2, 1]]] }],
    ['to nothing', [2, 1], [], { removed: [[1, [2, 1]]], added: [] }],
  ])('%s', (_what, before, after, want) => {
    const got = contextChanges(before, after, true);
    expect(got).toEqual(want);
    expect(replay(before, got)).toEqual(after);
  });
});

describe('RFC 5267 4.3.3: SEARCH results use position 0, in mailbox order', () => {
  it.each<[string, number[], number[], ContextChanges]>([
    ['added and removed', [1, 4, 6], [1, 2, 6, 9], { removed: [[0, [4]]], added: [[0, [2, 9]]] }],
    ['nothing changed', [1, 2], [1, 2], { removed: [], added: [] }],
  ])('%s', (_what, before, after, want) => expect(contextChanges(before, after, false)).toEqual(want));
});
