// SORT and THREAD arguments (RFC 5256 5, RFC 5957 4, RFC 5267 3.1 ESORT's RETURN) as typed
// data. The search criteria after the charset are SEARCH's (./search.ts).
import type { SortCriterion, SortKey, ThreadAlgorithm } from '../backend';
import { ParseError, type Reader } from './reader';
import { BadCharsetError, readSearch, SUPPORTED_CHARSETS, type SearchKey } from './search';

/** ESORT RETURN options (RFC 5267 3.1, the ESEARCH ones of RFC 4731). */
export const SORT_RETURNS = ['MIN', 'MAX', 'COUNT', 'ALL'] as const;
export type SortReturn = (typeof SORT_RETURNS)[number];

export interface SortCommand {
  /** Present with RETURN (...): answer ESEARCH instead of SORT. */
  returns?: SortReturn[];
  criteria: SortCriterion[];
  key: SearchKey;
}

export interface ThreadCommand {
  algorithm: ThreadAlgorithm;
  key: SearchKey;
}

const KEYS: Record<string, SortKey> = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayfrom',
  DISPLAYTO: 'displayto',
};

const ALGORITHMS: Record<string, ThreadAlgorithm> = { ORDEREDSUBJECT: 'orderedsubject', REFERENCES: 'references' };

/** The charset SORT and THREAD require, then the search criteria to the end. */
function readCharsetAndSearch(r: Reader): SearchKey {
  const charset = r.astring().toUpperCase();
  if (!SUPPORTED_CHARSETS.includes(charset)) throw new BadCharsetError('Unsupported charset');
  r.sp();
  return readSearch(r).key;
}

/** [RETURN (opts) SP] (sort-criteria) SP charset SP search-criteria, after the command's space. */
export function readSort(r: Reader): SortCommand {
  let returns: SortReturn[] | undefined;
  if (r.accept('RETURN ')) {
    returns = r.list(() => {
      const opt = r.atom().toUpperCase();
      if (!(SORT_RETURNS as readonly string[]).includes(opt)) throw new ParseError('Unsupported RETURN option');
      return opt as SortReturn;
    });
    if (returns.length === 0) returns = ['ALL'];
    r.sp();
  }
  const criteria = r.list(() => {
    let word = r.atom().toUpperCase();
    const reverse = word === 'REVERSE';
    if (reverse) {
      r.sp();
      word = r.atom().toUpperCase();
    }
    const key = KEYS[word];
    if (!key) throw new ParseError('Unknown sort key');
    return { key, reverse };
  }, false);
  r.sp();
  return { returns, criteria, key: readCharsetAndSearch(r) };
}

/** algorithm SP charset SP search-criteria, after the command's space. */
export function readThread(r: Reader): ThreadCommand {
  const algorithm = ALGORITHMS[r.atom().toUpperCase()];
  if (!algorithm) throw new ParseError('Unknown threading algorithm');
  r.sp();
  return { algorithm, key: readCharsetAndSearch(r) };
}
