// Modified UTF-7 for mailbox names (RFC 3501 5.1.3): printable ASCII as is, '&' as
// "&-", everything else as "&" + modified BASE64 of UTF-16BE + "-".

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function encodeRun(units: string): string {
  const buf = Buffer.alloc(units.length * 2);
  for (let k = 0; k < units.length; k++) buf.writeUInt16BE(units.charCodeAt(k), k * 2);
  return buf.toString('base64').replace(/=+$/, '').replace(/\//g, ',');
}

export function encodeMailboxName(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const code = name.charCodeAt(i);
    if (code === 0x26) {
      out += '&-';
      i++;
    } else if (isDirect(code)) {
      out += name[i];
      i++;
    } else {
      let j = i;
      while (j < name.length && !isDirect(name.charCodeAt(j))) j++;
      out += '&' + encodeRun(name.slice(i, j)) + '-';
      i = j;
    }
  }
  return out;
}

export class Utf7Error extends Error {}

/**
 * Decodes a modified UTF-7 name; throws Utf7Error when it is not valid. Only the one
 * canonical spelling of a name is valid (RFC 3501 5.1.3: printable ASCII is never
 * encoded, one run per stretch of other characters, no stray bits): a second spelling
 * would be stored under a name that LIST sends back differently from what the client
 * created ("&AGE-" would become "a").
 */
export function decodeMailboxName(wire: string): string {
  let out = '';
  for (let i = 0; i < wire.length; i++) {
    const c = wire[i];
    const code = wire.charCodeAt(i);
    if (code >= 0x80) {
      // Clients that speak UTF-8 regardless: keep it.
      out += c;
      continue;
    }
    if (c !== '&') {
      out += c;
      continue;
    }
    const end = wire.indexOf('-', i);
    if (end < 0) throw new Utf7Error('Unterminated modified UTF-7');
    const b64 = wire.slice(i + 1, end);
    i = end;
    if (b64 === '') {
      out += '&';
      continue;
    }
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) throw new Utf7Error('Bad modified UTF-7');
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0 || bytes.length === 0) throw new Utf7Error('Bad modified UTF-7');
    let units = '';
    for (let k = 0; k < bytes.length; k += 2) units += String.fromCharCode(bytes.readUInt16BE(k));
    if ([...units].some((ch) => isDirect(ch.charCodeAt(0)))) throw new Utf7Error('Printable ASCII in modified BASE64');
    if (/\p{Cs}/u.test(units)) throw new Utf7Error('Unpaired surrogate in modified UTF-7');
    if (encodeRun(units) !== b64) throw new Utf7Error('Non-canonical modified BASE64');
    if (wire[end + 1] === '&' && wire[end + 2] !== '-') throw new Utf7Error('Adjacent modified BASE64 runs');
    out += units;
  }
  return out;
}
