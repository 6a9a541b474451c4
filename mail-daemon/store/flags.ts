// Flag names as stored: system flags in their canonical case, keywords as given, sorted and unique.
import { StoreError, SYSTEM_FLAGS, type UidRanges } from '@/mail-daemon/imap/backend';

/** The system flags in stored order (by code point: \\Answered \\Deleted \\Draft \\Flagged \\Seen). */
export const STORED_SYSTEM_FLAGS: readonly string[] = [...SYSTEM_FLAGS].sort();
const SYSTEM_BY_LOWER = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** RFC 3501 atom without the list/resp specials. */
const KEYWORD = /^[^\x00-\x20\x7f(){%*"\\\]]+$/;

export const MAX_FLAGS_PER_MESSAGE = 128;

/** Stored order: system flags first (in STORED_SYSTEM_FLAGS order), then keywords by code point. */
export function compareFlags(a: string, b: string): number {
  const sa = a.startsWith('\\');
  const sb = b.startsWith('\\');
  if (sa !== sb) return sa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical stored flags: system flags case-fixed, \Recent dropped, sorted, unique. Throws 'invalid'. */
export function normalizeFlags(flags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of flags) {
    if (f.startsWith('\\')) {
      const lower = f.toLowerCase();
      if (lower === '\\recent') continue;
      const sys = SYSTEM_BY_LOWER.get(lower);
      if (!sys) throw new StoreError('invalid', `unknown system flag ${f}`);
      out.add(sys);
    } else {
      // NIL is the nil atom, never a keyword (a FLAGS list showing it reads as a list with no flag).
      if (!KEYWORD.test(f) || f.length > 100 || f.toUpperCase() === 'NIL') throw new StoreError('invalid', 'invalid keyword');
      out.add(f);
    }
  }
  return [...out].sort(compareFlags);
}

export function applyFlagOp(current: readonly string[], op: 'add' | 'remove' | 'set', flags: readonly string[]): string[] {
  let next: string[];
  if (op === 'set') next = [...flags];
  else if (op === 'add') next = [...new Set([...current, ...flags])];
  else next = current.filter((f) => !flags.includes(f));
  if (next.length > MAX_FLAGS_PER_MESSAGE) throw new StoreError('invalid', 'too many flags');
  return next.sort(compareFlags);
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

/** SQL condition on column `uid` for explicit UIDs or ranges; pushes its params. */
export function uidCondition(uids: UidRanges | number[], params: unknown[], column = 'uid'): string {
  if (!uids.length) return 'FALSE';
  if (typeof uids[0] === 'number') {
    params.push(uids as number[]);
    return `${column} = ANY($${params.length}::bigint[])`;
  }
  const ranges = uids as UidRanges;
  if (ranges.length <= 16) {
    const parts = ranges.map(([a, b]) => {
      params.push(Math.min(a, b), Math.max(a, b));
      return `${column} BETWEEN $${params.length - 1} AND $${params.length}`;
    });
    return `(${parts.join(' OR ')})`;
  }
  params.push(ranges.map(([a, b]) => Math.min(a, b)), ranges.map(([a, b]) => Math.max(a, b)));
  const lo = params.length - 1;
  return `EXISTS (SELECT 1 FROM unnest($${lo}::bigint[], $${lo + 1}::bigint[]) AS r(lo, hi) WHERE ${column} BETWEEN r.lo AND r.hi)`;
}
