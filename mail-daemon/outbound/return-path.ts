// RFC 5321 §4.4: Return-Path is added by the final delivery; a system that sends a message on
// SHOULD NOT send one that already carries it. Our stored copy begins with the Return-Path the
// local mailboxes get, so it is taken out (with any a client put in) before the message leaves.

/** The message without Return-Path fields (folded continuation lines included) in its header section. */
export function withoutReturnPath(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const headerEnd = end < 0 ? raw.length : end + 2;
  const parts: Buffer[] = [];
  let dropping = false;
  let kept = 0;
  let changed = false;
  for (let start = 0; start < headerEnd; ) {
    const eol = raw.indexOf('\r\n', start);
    const next = eol < 0 || eol + 2 > headerEnd ? headerEnd : eol + 2;
    const first = raw[start];
    const continuation = first === 0x20 || first === 0x09;
    if (!continuation) dropping = /^return-path[ \t]*:/i.test(raw.subarray(start, Math.min(next, start + 16)).toString('latin1'));
    if (dropping) {
      if (start > kept) parts.push(raw.subarray(kept, start));
      kept = next;
      changed = true;
    }
    start = next;
  }
  if (!changed) return raw;
  parts.push(raw.subarray(kept));
  return Buffer.concat(parts);
}
