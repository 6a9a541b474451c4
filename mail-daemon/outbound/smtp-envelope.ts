import { SmtpError } from './smtp-reply';

// What an envelope and a message become on the wire: the MAIL and RCPT command lines
// with the parameters the server's EHLO allows (RFC 1870 SIZE, RFC 6152 8BITMIME,
// RFC 6531 SMTPUTF8, RFC 3461 DSN), and the message dot-stuffed for DATA (RFC 5321 §4.5.2).

export interface Envelope {
  /** '' is the null reverse-path. */
  from: string;
  recipients: Array<{ address: string; notify?: string[] | null; orcpt?: string | null }>;
  raw: Buffer;
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
}

/** Whether the server announced an EHLO keyword (uppercase). */
type Offers = (extension: string) => boolean;

/** RFC 5321 §4.5.2 dot-stuffing, with every line ending made CRLF (§2.3.8) and a final CRLF. */
export function dotStuff(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length * 2 + 3);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0x0d || c === 0x0a) {
      // CRLF, bare LF and bare CR all end a line.
      if (c === 0x0d && raw[i + 1] === 0x0a) i++;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      lineStart = true;
      continue;
    }
    if (lineStart && c === 0x2e) out[o++] = 0x2e;
    out[o++] = c;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = 0x0d;
    out[o++] = 0x0a;
  }
  return out.subarray(0, o);
}

/** RFC 3461 §4: xtext; a value already in xtext form (as received) is passed as is. */
export function xtext(value: string): string {
  if (/^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte >= 33 && byte <= 126 && byte !== 0x2b && byte !== 0x3d ? String.fromCharCode(byte) : `+${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function mailCommand(e: Envelope, has: Offers): string {
  checkPath(e.from);
  let cmd = `MAIL FROM:<${e.from}>`;
  // RFC 1870 §6: SIZE= the size of the message as sent (before dot-stuffing is fine).
  if (has('SIZE')) cmd += ` SIZE=${e.raw.length}`;
  // RFC 6152: declare 8-bit content when the server takes it.
  if (has('8BITMIME') && e.raw.some((b) => b > 0x7f)) cmd += ' BODY=8BITMIME';
  // RFC 6531 §3.4: SMTPUTF8 when an address is not ASCII.
  if (has('SMTPUTF8') && [e.from, ...e.recipients.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a))) cmd += ' SMTPUTF8';
  // RFC 3461 §4.3, §4.4: RET and ENVID only to a server that offers DSN.
  if (has('DSN')) {
    if (e.ret) cmd += ` RET=${e.ret}`;
    if (e.envid) cmd += ` ENVID=${xtext(e.envid)}`;
  }
  return cmd;
}

export function rcptCommand(r: Envelope['recipients'][number], has: Offers): string {
  checkPath(r.address);
  let cmd = `RCPT TO:<${r.address}>`;
  // RFC 3461 §4.1, §4.2: NOTIFY and ORCPT only to a server that offers DSN.
  if (has('DSN')) {
    if (r.notify?.length) cmd += ` NOTIFY=${r.notify.map((n) => n.toUpperCase()).join(',')}`;
    if (r.orcpt) cmd += ` ORCPT=${xtext(r.orcpt)}`;
  }
  return cmd;
}

/** No CR, LF or NUL can reach a command line (they would end it, RFC 5321 §2.3.8). */
function checkPath(address: string): void {
  if (/[\r\n\0<>]/.test(address)) throw new SmtpError('protocol', 'address contains characters not allowed in a path');
}
