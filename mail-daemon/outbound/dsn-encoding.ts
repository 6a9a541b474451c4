// Header and MIME encoding for delivery status notifications: one-line and 7-bit field
// values (RFC 3464 §2.1), xtext decoding of ENVID and ORCPT (RFC 3461 §4), typed
// addresses with RFC 6533's utf-8 form, header folding (RFC 5322 §2.2.3), display names
// (RFC 2047) and quoted-printable (RFC 2045 §6.7). Nothing from a remote reply or an
// address can start a new header line or exceed the line limit.

/** RFC 5322 §2.1.1: the hard limit on a line, without its CRLF. */
export const MAX_LINE = 998;
/** RFC 5322 §2.1.1: the line length to fold header fields at when we can. */
const FOLD_AT = 78;

/** Nothing from a remote reply or an address may start a new header line or carry controls. */
export const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').replace(/ {2,}/g, ' ').trim();

/** The machine-readable part is 7-bit (RFC 3464 §2.1): non-ASCII becomes '?'. */
export const ascii = (s: string) => oneLine(s).replace(/[^\x20-\x7e]/g, '?');

/** An address for header and field use: one line, no angle brackets. */
export const bareAddress = (s: string) => oneLine(s).replace(/[<>\s]/g, '');

/** RFC 3461 §4: ENVID and ORCPT travel in xtext, "+" followed by two hex digits per special octet. */
export function xtextDecode(s: string): string {
  return Buffer.from(
    s.replace(/\+([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

/**
 * RFC 3464 §2.3.2 address for Final-/Original-Recipient: "rfc822; addr", or for an
 * internationalised address RFC 6533 §3's "utf-8; " with \x{HHHH} escapes, which keeps
 * the field 7-bit.
 */
export function typedAddress(address: string): string {
  const a = bareAddress(address);
  if (/^[\x20-\x7e]*$/.test(a)) return `rfc822; ${a}`;
  return `utf-8; ${[...a].map((c) => (c.charCodeAt(0) < 0x80 ? c : `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)).join('')}`;
}

/** ORCPT as received: "type;addr" in xtext, or a bare address (taken as rfc822). */
export function originalRecipient(orcpt: string): string {
  const decoded = xtextDecode(oneLine(orcpt));
  const semi = decoded.indexOf(';');
  if (semi < 0) return typedAddress(decoded);
  const type = decoded.slice(0, semi).trim().toLowerCase();
  const addr = decoded.slice(semi + 1).trim();
  return type === 'rfc822' || type === 'utf-8' ? typedAddress(addr) : `${ascii(type)}; ${ascii(addr)}`;
}

/**
 * One header field, folded (RFC 5322 §2.2.3) at spaces before FOLD_AT where the value
 * allows; a run without spaces longer than a line can hold is cut, so no line ever
 * exceeds MAX_LINE. Returns the field with its trailing CRLF.
 */
export function foldField(name: string, value: string): string {
  const words = value.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = `${name}:`;
  for (let word of words) {
    while (word.length > MAX_LINE - 2) {
      lines.push(line);
      line = ' ' + word.slice(0, MAX_LINE - 2);
      word = word.slice(MAX_LINE - 2);
    }
    if (line.length + 1 + word.length > FOLD_AT && line.trim() !== `${name}:`) {
      lines.push(line);
      line = ' ' + word;
    } else {
      line += ' ' + word;
    }
  }
  lines.push(line);
  return lines.join('\r\n') + '\r\n';
}

/** RFC 2047 §5(3) for a display name: a quoted-string when ASCII, else a UTF-8 B encoded-word. */
export function displayName(name: string): string {
  const n = oneLine(name);
  if (/^[\x20-\x7e]*$/.test(n)) return `"${n.replace(/["\\]/g, '\\$&')}"`;
  return `=?UTF-8?B?${Buffer.from(n, 'utf8').toString('base64')}?=`;
}

/**
 * RFC 2045 §6.7 quoted-printable of UTF-8 text: lines of at most 76 characters with soft
 * breaks, "=" and every non-printable or non-ASCII octet as =XX, and whitespace at the
 * end of a line encoded so that no transport can strip it.
 */
export function quotedPrintable(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => {
      const bytes = Buffer.from(line, 'utf8');
      let out = '';
      let cur = '';
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && i < bytes.length - 1);
        const tok = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (cur.length + tok.length > 75) {
          out += cur + '=\r\n';
          cur = '';
        }
        cur += tok;
      }
      return out + cur;
    })
    .join('\r\n');
}
