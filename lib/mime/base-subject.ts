// RFC 5256 2.1: the base subject SORT SUBJECT and THREAD compare, from a subject already
// decoded from RFC 2047 encoded-words. Pure; computed once per message at delivery/APPEND.

export interface BaseSubject {
  /** The subject with reply/forward markers, list tags and "(fwd)" trailers removed. */
  base: string;
  /** A subj-refwd leader ("Re:", "Fwd:"), a "(fwd)" trailer or "[fwd: ...]" was removed (RFC 5256 4, REFERENCES step 5). */
  replyOrForward: boolean;
}

// subj-trailer = "(fwd)" / WSP
const TRAILER = /(?:\(fwd\)|[ \t])$/i;
// subj-blob = "[" *BLOBCHAR "]" *WSP
const BLOB = String.raw`\[[^\[\]]*\][ \t]*`;
// subj-leader = (*subj-blob subj-refwd) / WSP;  subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const REFWD_LEADER = new RegExp(String.raw`^(?:${BLOB})*(?:re|fwd?)[ \t]*(?:${BLOB})?:`, 'i');
const BLOB_LEADER = new RegExp(`^${BLOB}`);

export function baseSubject(decoded: string): BaseSubject {
  // (1) tabs and line ends become spaces, runs of spaces one space.
  let s = decoded.replace(/[\t\r\n]+/g, ' ').replace(/ {2,}/g, ' ');
  let replyOrForward = false;
  for (;;) {
    // (2) trailers, as often as they occur.
    for (let m = TRAILER.exec(s); m; m = TRAILER.exec(s)) {
      if (m[0] !== ' ' && m[0] !== '\t') replyOrForward = true;
      s = s.slice(0, -m[0].length);
    }
    // (3) leaders and (4) a leading blob that leaves something, until neither applies (5).
    for (let changed = true; changed; ) {
      changed = false;
      const refwd = REFWD_LEADER.exec(s);
      if (refwd) {
        s = s.slice(refwd[0].length);
        replyOrForward = true;
        changed = true;
      } else if (s.startsWith(' ') || s.startsWith('\t')) {
        s = s.slice(1);
        changed = true;
      }
      const blob = BLOB_LEADER.exec(s);
      if (blob && s.length > blob[0].length) {
        s = s.slice(blob[0].length);
        changed = true;
      }
    }
    // (6) "[fwd: ... ]" around the whole subject: unwrap and start again at (2).
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === '[fwd:' && s.endsWith(']')) {
      s = s.slice(5, -1);
      replyOrForward = true;
      continue;
    }
    return { base: s, replyOrForward };
  }
}

/** Characters whose simple titlecase is not their upper case (the Latin digraphs), and Georgian, which titlecases to itself. */
const TITLECASE: Record<string, string> = { '\u01c4': '\u01c5', '\u01c6': '\u01c5', '\u01c7': '\u01c8', '\u01c9': '\u01c8', '\u01ca': '\u01cb', '\u01cc': '\u01cb', '\u01f1': '\u01f2', '\u01f3': '\u01f2' };

function titlecase(ch: string): string {
  if (ch in TITLECASE) return TITLECASE[ch];
  if (ch >= '\u10d0' && ch <= '\u10ff') return ch;
  const upper = ch.toUpperCase();
  // Only one-to-one mappings: "ß" has no simple titlecase and stays.
  return [...upper].length === 1 ? upper : ch;
}

/**
 * i;unicode-casemap (RFC 5051), the collation RFC 5256 7 requires for SORT and THREAD: each
 * character to its simple titlecase, then NFKD; the results compare as UTF-8 octets.
 */
export function unicodeCasemap(s: string): string {
  return Array.from(s, titlecase).join('').normalize('NFKD');
}
