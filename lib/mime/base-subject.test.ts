// RFC 5256 2.1 base subject extraction, one row per rule of the algorithm.
import { describe, expect, it } from 'vitest';
import { baseSubject, unicodeCasemap } from './base-subject';

const CASES: [clause: string, subject: string, base: string, replyOrForward: boolean][] = [
  ['nothing to remove', 'Meeting notes', 'Meeting notes', false],
  ['(1) tabs and line ends become a space, runs of spaces one', 'a\tb\r\n c   d', 'a b c d', false],
  ['(2) trailing (fwd)', 'Meeting notes (fwd)', 'Meeting notes', true],
  ['(2) trailing (fwd) repeated, any case, with spaces', 'Meeting notes (FWD) (fwd)  ', 'Meeting notes', true],
  ['(2) trailing white space only', 'Meeting notes   ', 'Meeting notes', false],
  ['(3) Re:', 'Re: Meeting notes', 'Meeting notes', true],
  ['(3) re: any case, no space', 'RE:Meeting notes', 'Meeting notes', true],
  ['(3) Fw: and Fwd:', 'Fw: Fwd: Meeting notes', 'Meeting notes', true],
  ['(3) subj-refwd with a blob before the colon', 'Re [2]: Meeting notes', 'Meeting notes', true],
  ['(3) white space before the refwd', 'Re : Meeting notes', 'Meeting notes', true],
  ['(3) blobs before the refwd', '[list] [tag] Re: Meeting notes', 'Meeting notes', true],
  ['(3) leading white space', '   Meeting notes', 'Meeting notes', false],
  ['(3) "Re" without a colon is the subject', 'Regarding notes', 'Regarding notes', false],
  ['(4) a leading blob that leaves a subject', '[list] Meeting notes', 'Meeting notes', false],
  ['(4) a blob that would leave nothing stays', '[list]', '[list]', false],
  ['(4) the last blob stays when only blobs are left', '[a] [b]', '[b]', false],
  ['(5) leaders and blobs alternate', 'Re: [list] Re: [x] Fwd: Meeting notes', 'Meeting notes', true],
  ['(6) [fwd: ...] unwrapped', '[fwd: Meeting notes]', 'Meeting notes', true],
  ['(6) then (2) again inside', '[Fwd: Re: Meeting notes (fwd)]', 'Meeting notes', true],
  ['(6) [fwd: without the closing bracket stays', '[fwd: Meeting notes', '[fwd: Meeting notes', false],
  ['empty subject', '', '', false],
  ['only a reply marker', 'Re:', '', true],
  ['8-bit subjects are kept', 'Re: Grüße', 'Grüße', true],
];

describe('RFC 5256 2.1 base subject', () => {
  it.each(CASES)('%s: %j', (_clause, subject, base, replyOrForward) => {
    expect(baseSubject(subject)).toEqual({ base, replyOrForward });
  });
});

describe('i;unicode-casemap (RFC 5051): simple titlecase, then NFKD', () => {
  it.each([
    ['Meeting', 'MEETING'],
    ['grüße', 'GRU\u0308ßE'],
    ['Émile', 'E\u0301MILE'],
    ['ﬁle', 'fiLE'],
    ['ǆemal', 'Dz\u030cEMAL'],
    ['', ''],
  ])('%j → %j', (s, want) => expect(unicodeCasemap(s)).toBe(want));
});
