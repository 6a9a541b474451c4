// RETURN (...) of SEARCH and SORT as typed data: RFC 4731's MIN MAX COUNT ALL (ESORT's in
// RFC 5267 3.1) and RFC 5267 4's CONTEXT, UPDATE and PARTIAL.
import { ParseError, type Reader } from './reader';

export const RESULT_OPTIONS = ['MIN', 'MAX', 'COUNT', 'ALL'] as const;
export type ResultOption = (typeof RESULT_OPTIONS)[number];

export interface ReturnOptions {
  /** What the ESEARCH response carries; ALL when RETURN names none of them and no PARTIAL. */
  results: ResultOption[];
  /** PARTIAL first:last (RFC 5267 4.4): positions in the result, 1-based, first <= last. */
  partial?: { first: number; last: number };
  /** UPDATE (RFC 5267 4.3): ADDTO/REMOVEFROM while the folder stays selected. */
  update: boolean;
  /** SAVE (RFC 5182 2): the result is kept for "$"; alone, it asks for no ESEARCH response. */
  save?: true;
}

/** `RETURN (opt ...) SP` if it is next; undefined without RETURN. CONTEXT is a hint, accepted and unused (4.2). */
export function readReturnOptions(r: Reader): ReturnOptions | undefined {
  if (!r.accept('RETURN ')) return undefined;
  const out: ReturnOptions = { results: [], update: false };
  r.list(() => {
    const opt = r.atom().toUpperCase();
    if ((RESULT_OPTIONS as readonly string[]).includes(opt)) out.results.push(opt as ResultOption);
    else if (opt === 'UPDATE') out.update = true;
    else if (opt === 'SAVE') out.save = true;
    else if (opt === 'PARTIAL') {
      r.sp();
      // partial-range = nz-number ":" nz-number; 500:400 is 400:500.
      const a = r.nzNumber();
      r.expect(':');
      const b = r.nzNumber();
      if (out.partial) throw new ParseError('PARTIAL given twice');
      out.partial = { first: Math.min(a, b), last: Math.max(a, b) };
    } else if (opt !== 'CONTEXT') throw new ParseError('Unsupported RETURN option');
    return opt;
  });
  // RETURN () is ALL (RFC 4731 3.1); so is a list of hints alone, (UPDATE) or (CONTEXT): a
  // context starts from the whole result.
  if (!out.results.length && !out.partial && !out.save) out.results.push('ALL');
  // RFC 5267 4.4: one PARTIAL or one ALL, not both.
  if (out.partial && out.results.includes('ALL')) throw new ParseError('PARTIAL and ALL together');
  r.sp();
  return out;
}

/** `first:last set` or `first:last NIL` (RFC 5267 4.4): the results at those positions, from `numbers` in the requested order. */
export function partialData(range: { first: number; last: number }, numbers: readonly number[], format: (list: readonly number[]) => string): string {
  const slice = numbers.slice(range.first - 1, range.last);
  return `${range.first}:${range.last} ${slice.length ? format(slice) : 'NIL'}`;
}
