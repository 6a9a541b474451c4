// SEARCH criteria (RFC 3501 6.4.4 and CONDSTORE's MODSEQ) as a typed tree.
// Sequence-number sets stay as parsed; the session turns them into UIDs.
import { readDate, type Day } from './dates';
import { ParseError, type Reader } from './reader';
import { parseSequenceSet, type SequenceSet } from './sequence';

export type SearchKey =
  | { op: 'all' }
  | { op: 'and'; keys: SearchKey[] }
  | { op: 'or'; a: SearchKey; b: SearchKey }
  | { op: 'not'; key: SearchKey }
  | { op: 'seq'; set: SequenceSet }
  | { op: 'uid'; set: SequenceSet }
  /** Has (or, with set=false, lacks) a system flag or keyword. */
  | { op: 'flag'; flag: string; set: boolean }
  | { op: 'new' }
  | { op: 'old' }
  | { op: 'recent'; set: boolean }
  | { op: 'header'; field: string; value: string }
  /** FROM/TO/CC/BCC: the field's addresses, not its raw text (HEADER FROM matches the text). */
  | { op: 'address'; field: AddressField; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; day: Day }
  | { op: 'size'; cmp: 'larger' | 'smaller'; n: number }
  | { op: 'modseq'; n: number };

export interface SearchCommand {
  charset?: string;
  key: SearchKey;
}

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

export type AddressField = 'from' | 'to' | 'cc' | 'bcc';

const ADDRESS_KEYS: Record<string, AddressField> = { BCC: 'bcc', CC: 'cc', FROM: 'from', TO: 'to' };

const DATES: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

export const SUPPORTED_CHARSETS = ['UTF-8', 'US-ASCII'];

export class BadCharsetError extends ParseError {}

function readKey(r: Reader, depth: number): SearchKey {
  if (depth > 50) throw new ParseError('Search too deeply nested');
  if (r.peek() === '(') {
    const keys = r.list(() => readKey(r, depth + 1), false);
    return keys.length === 1 ? keys[0] : { op: 'and', keys };
  }
  const c = r.peek();
  if ((c >= '0' && c <= '9') || c === '*' || c === '$') return { op: 'seq', set: parseSequenceSet(r.sequenceText()) };
  const word = r.atom().toUpperCase();
  if (word in FLAG_KEYS) {
    const [flag, set] = FLAG_KEYS[word];
    return { op: 'flag', flag, set };
  }
  if (word in ADDRESS_KEYS) {
    r.sp();
    return { op: 'address', field: ADDRESS_KEYS[word], value: r.astring() };
  }
  if (word in DATES) {
    r.sp();
    const [field, cmp] = DATES[word];
    return { op: 'date', field, cmp, day: readDate(r) };
  }
  switch (word) {
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
      return { op: 'new' };
    case 'OLD':
      return { op: 'old' };
    case 'RECENT':
      return { op: 'recent', set: true };
    case 'KEYWORD':
    case 'UNKEYWORD':
      r.sp();
      return { op: 'flag', flag: r.atom(), set: word === 'KEYWORD' };
    case 'BODY':
      r.sp();
      return { op: 'body', value: r.astring() };
    case 'TEXT':
      r.sp();
      return { op: 'text', value: r.astring() };
    case 'SUBJECT':
      r.sp();
      return { op: 'header', field: 'subject', value: r.astring() };
    case 'HEADER': {
      r.sp();
      const field = r.astring().toLowerCase();
      r.sp();
      return { op: 'header', field, value: r.astring() };
    }
    case 'LARGER':
    case 'SMALLER':
      r.sp();
      return { op: 'size', cmp: word === 'LARGER' ? 'larger' : 'smaller', n: r.number() };
    case 'UID':
      r.sp();
      return { op: 'uid', set: parseSequenceSet(r.sequenceText()) };
    case 'NOT':
      r.sp();
      return { op: 'not', key: readKey(r, depth + 1) };
    case 'OR': {
      r.sp();
      const a = readKey(r, depth + 1);
      r.sp();
      return { op: 'or', a, b: readKey(r, depth + 1) };
    }
    case 'MODSEQ': {
      r.sp();
      // Optional entry name and type: MODSEQ "/flags/\\draft" all 620162338
      if (r.peek() === '"') {
        r.quoted();
        r.sp();
        r.atom();
        r.sp();
      }
      return { op: 'modseq', n: Number(r.number64()) };
    }
    default:
      throw new ParseError('Unknown search key');
  }
}

/** [CHARSET astring SP] search-key *(SP search-key) */
export function readSearch(r: Reader): SearchCommand {
  const out: SearchCommand = { key: { op: 'all' } };
  if (r.accept('CHARSET ')) {
    out.charset = r.astring().toUpperCase();
    if (!SUPPORTED_CHARSETS.includes(out.charset)) throw new BadCharsetError('Unsupported charset');
    r.sp();
  }
  const keys = [readKey(r, 0)];
  while (r.maybeSp()) keys.push(readKey(r, 0));
  r.end();
  out.key = keys.length === 1 ? keys[0] : { op: 'and', keys };
  return out;
}

/** True when the tree has a key CONDSTORE says makes SEARCH answer with (MODSEQ n). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'and':
      return key.keys.some(usesModseq);
    case 'or':
      return usesModseq(key.a) || usesModseq(key.b);
    case 'not':
      return usesModseq(key.key);
    default:
      return false;
  }
}
