// SORT and THREAD arguments (RFC 5256 5, RFC 5957 4, RFC 5267's RETURN) as typed
// data. The search criteria after the charset are SEARCH's (./search.ts).
import type { SortCriterion, SortKey, ThreadAlgorithm } from '../backend';
import { ParseError, type Reader } from './reader';
import { readReturnOptions, type ReturnOptions } from './search-return';
import { BadCharsetError, readSearch, SUPPORTED_CHARSETS, type SearchKey } from './search';

export interface SortCommand {
  /** Present with RETURN (...): answer ESEARCH instead of SORT (RFC 5267 3.1 ESORT, 4 CONTEXT=SORT). */
  returns?: ReturnOptions;
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
  const returns = readReturnOptions(r);
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
