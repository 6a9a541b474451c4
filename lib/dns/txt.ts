// TXT record values as DNS carries them: one record is a sequence of character-strings of at
// most 255 octets each (RFC 1035 §3.3.14); verifiers join them without spaces (RFC 6376
// §3.6.2.2, RFC 7208 §3.3). Long values (an RSA-2048 DKIM key is ~400 octets) must be split.

const MAX_STRING = 255;

/** The value split into character-strings of at most 255 octets (never inside a UTF-8 sequence). */
export function txtStrings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + MAX_STRING, bytes.length);
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--; // a continuation byte starts no string
    out.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return out.length ? out : [''];
}

/** The record's data as a BIND zone file writes it: each character-string quoted, `"` and `\` escaped. */
export function bindTxtData(value: string): string {
  return txtStrings(value)
    .map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`)
    .join(' ');
}
