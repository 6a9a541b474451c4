// SORT, THREAD (RFC 5256 6.4) and ESORT's ESEARCH (RFC 5267 3.1) responses from typed data.
import type { ThreadNode } from '../backend';
import { WireBuilder, atom } from './encode';
import type { SortReturn } from './sort-criteria';

/** `* SORT n...` in sort order. */
export function sortResponse(numbers: readonly number[]): Buffer[] {
  return [Buffer.from(`* SORT${numbers.map((n) => ` ${n}`).join('')}\r\n`)];
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

/** `* ESEARCH (TAG "t") [UID] MIN a MAX b COUNT n ALL set`: MIN and MAX are the first and last in sort order. */
export function esortResponse(tag: string, uid: boolean, numbers: readonly number[], returns: readonly SortReturn[]): Buffer[] {
  const b = new WireBuilder().raw('* ESEARCH ').value([atom('TAG'), tag]);
  if (uid) b.raw(' UID');
  if (numbers.length && returns.includes('MIN')) b.raw(` MIN ${numbers[0]}`);
  if (numbers.length && returns.includes('MAX')) b.raw(` MAX ${numbers[numbers.length - 1]}`);
  if (returns.includes('COUNT')) b.raw(` COUNT ${numbers.length}`);
  if (numbers.length && returns.includes('ALL')) b.raw(` ALL ${orderedSet(numbers)}`);
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
