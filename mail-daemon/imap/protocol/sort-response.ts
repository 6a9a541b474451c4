// SORT, THREAD (RFC 5256 6.4) and ESORT's ESEARCH (RFC 5267 3.1) responses from typed data.
import type { ThreadNode } from '../backend';
import { WireBuilder, atom } from './encode';
import { formatSet } from './sequence';
import { partialData, type ReturnOptions } from './search-return';

/** `* SORT n...` in sort order, with `(MODSEQ m)` when the criteria used MODSEQ and something matched (RFC 7162 3.1.5). */
export function sortResponse(numbers: readonly number[], modseq: number | null = null): Buffer[] {
  const tail = modseq !== null && numbers.length ? ` (MODSEQ ${modseq})` : '';
  return [Buffer.from(`* SORT${numbers.map((n) => ` ${n}`).join('')}${tail}\r\n`)];
}

/** A sequence-set that keeps the given order: only ascending runs of consecutive numbers are joined. */
export function orderedSet(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    out.push(i === j ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/**
 * `* ESEARCH (TAG "t") [UID] MIN a MAX b COUNT n ALL set PARTIAL (r set)` for SORT RETURN: MIN and
 * MAX are the first and last in sort order, ALL and PARTIAL keep that order (RFC 5267 3.1, 3.2, 4.4).
 */
export function esortResponse(tag: string, uid: boolean, numbers: readonly number[], options: ReturnOptions, modseq: number | null = null): Buffer[] {
  const { results, partial } = options;
  const b = new WireBuilder().raw('* ESEARCH ').value([atom('TAG'), tag]);
  if (uid) b.raw(' UID');
  if (numbers.length && results.includes('MIN')) b.raw(` MIN ${numbers[0]}`);
  if (numbers.length && results.includes('MAX')) b.raw(` MAX ${numbers[numbers.length - 1]}`);
  if (results.includes('COUNT')) b.raw(` COUNT ${numbers.length}`);
  if (numbers.length && results.includes('ALL')) b.raw(` ALL ${orderedSet(numbers)}`);
  if (partial) b.raw(` PARTIAL (${partialData(partial, numbers, orderedSet)})`);
  if (modseq !== null && numbers.length) b.raw(` MODSEQ ${modseq}`);
  return b.done();
}

/**
 * `* THREAD (...)...`: a message followed by its only reply is "a b", several replies are
 * nested lists "a (b)(c)"; a placeholder (uid null) contributes only its nested lists.
 * Written without recursion, so thread depth is not bounded by the stack.
 */
export function threadResponse(threads: readonly ThreadNode[], number: (uid: number) => number): Buffer[] {
  const out: string[] = ['* THREAD'];
  const stack: (ThreadNode | string)[] = [];
  for (let i = threads.length - 1; i >= 0; i--) stack.push(')', threads[i], '(');
  if (threads.length) out.push(' ');
  while (stack.length) {
    const next = stack.pop()!;
    if (typeof next === 'string') {
      out.push(next);
      continue;
    }
    const chain: number[] = [];
    let x = next;
    for (;;) {
      if (x.uid !== null) chain.push(number(x.uid));
      if (x.children.length !== 1) break;
      x = x.children[0];
    }
    out.push(chain.join(' '));
    if (x.children.length > 1) {
      if (chain.length) out.push(' ');
      for (let i = x.children.length - 1; i >= 0; i--) stack.push(')', x.children[i], '(');
    }
  }
  out.push('\r\n');
  return [Buffer.from(out.join(''))];
}

/** `* ESEARCH (TAG "t") [UID] REMOVEFROM (p set ...) ADDTO (p set ...)` (RFC 5267 4.3.3, 4.3.4). */
export function contextResponse(
  tag: string,
  uid: boolean,
  changes: { removed: [number, number[]][]; added: [number, number[]][] },
  number: (uid: number) => number,
): Buffer[] {
  const pairs = (list: [number, number[]][]) => list.map(([pos, uids]) => `${pos} ${pos === 0 ? formatSet(uids.map(number)) : orderedSet(uids.map(number))}`).join(' ');
  const b = new WireBuilder().raw('* ESEARCH ').value([atom('TAG'), tag]);
  if (uid) b.raw(' UID');
  if (changes.removed.length) b.raw(` REMOVEFROM (${pairs(changes.removed)})`);
  if (changes.added.length) b.raw(` ADDTO (${pairs(changes.added)})`);
  return b.done();
}
