// Sequence sets (RFC 3501 sequence-set): "1:3,5,7:*". '*' means the largest number
// in use (the last sequence number, or the highest UID), resolved per session.
import type { UidRanges } from '../backend';
import { ParseError, type Reader } from './reader';

/** Infinity stands for '*'. */
export interface SeqRange {
  start: number;
  end: number;
}

/** `saved`: "$" (RFC 5182, RFC 9051 seq-last-command), the result the last SEARCH RETURN (SAVE) kept. */
export type SequenceSet = SeqRange[] & { readonly saved?: true };

export const STAR = Infinity;

function seqNumber(s: string): number {
  if (s === '*') return STAR;
  if (!/^[1-9][0-9]{0,9}$/.test(s)) throw new ParseError('Bad sequence set');
  const n = Number(s);
  if (n > 0xffffffff) throw new ParseError('Bad sequence set');
  return n;
}

export function parseSequenceSet(text: string): SequenceSet {
  if (!text) throw new ParseError('Expected a sequence set');
  // "$" stands alone: it combines with no number or range.
  if (text === '$') return Object.assign([] as SeqRange[], { saved: true as const });
  return text.split(',').map((item) => {
    const [a, b, extra] = item.split(':');
    if (extra !== undefined) throw new ParseError('Bad sequence set');
    const start = seqNumber(a);
    const end = b === undefined ? start : seqNumber(b);
    return start <= end ? { start, end } : { start: end, end: start };
  });
}

/** Reads a sequence set token at the cursor. */
export function readSequenceSet(r: Reader): SequenceSet {
  return parseSequenceSet(r.sequenceText());
}

/** Replaces '*' by `max`; ranges stay unordered and may overlap. */
export function resolveStar(set: SequenceSet, max: number): SequenceSet {
  return set.map(({ start, end }) => {
    const s = start === STAR ? max : start;
    const e = end === STAR ? max : end;
    return s <= e ? { start: s, end: e } : { start: e, end: s };
  });
}

export function inSet(set: SequenceSet, n: number): boolean {
  return set.some((r) => n >= r.start && n <= r.end);
}

/** Compact wire form of sorted numbers: [1,2,3,5] → "1:3,5". */
export function formatSet(numbers: Iterable<number>): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] <= sorted[j] + 1) j++;
    out.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Sorted UIDs → ranges of consecutive numbers. */
export function toRanges(uids: number[]): UidRanges {
  const out: UidRanges = [];
  for (const uid of uids) {
    const last = out[out.length - 1];
    if (last && uid === last[1] + 1) last[1] = uid;
    else out.push([uid, uid]);
  }
  return out;
}
