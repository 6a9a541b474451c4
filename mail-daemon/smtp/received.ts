// The trace fields we prepend to every accepted message (RFC 5321 §4.4):
//
//   Return-Path: <sender>
//   Received: from <helo> (<rdns or unknown> [<ip>])
//           (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
//           by <hostname> (Postern) with ESMTPSA id <queue id>
//           for <rcpt> tls TLS_AES_256_GCM_SHA384; <RFC 5322 date>
//
// Clause order is RFC 5321's: from, by, with, id, for, then additional registered
// clauses (RFC 8314 §4.3 "tls" with the IANA cipher suite name), then ";" and the
// date. The "(using …)" comment is written exactly as Postfix writes it, with the
// OpenSSL cipher name, so existing Received parsers read it. Cleartext: no comment,
// no tls clause. "for" only with a single recipient (the others stay private).

export interface TlsFacts {
  /** "TLSv1.3", from socket.getProtocol(). */
  version: string;
  /** OpenSSL cipher name, getCipher().name, e.g. "ECDHE-ECDSA-AES256-GCM-SHA384". */
  cipher: string;
  /** IANA name, getCipher().standardName, e.g. "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384". */
  standardName: string;
  /** Symmetric key bits in use / of the algorithm. */
  bits: number;
  algBits: number;
  mode: 'starttls' | 'implicit';
  sni: string | null;
  clientCert: { subject: string; fingerprint: string } | null;
}

export type ProtocolKeyword = 'SMTP' | 'ESMTP' | 'ESMTPA' | 'ESMTPS' | 'ESMTPSA';

/** RFC 3848 §1 (with RFC 5321's SMTP/ESMTP): S = TLS, A = authenticated. HELO is plain "SMTP". */
export function protocolKeyword(opts: { ehlo: boolean; tls: boolean; authenticated: boolean }): ProtocolKeyword {
  if (!opts.ehlo) return 'SMTP';
  return `ESMTP${opts.tls ? 'S' : ''}${opts.authenticated ? 'A' : ''}` as ProtocolKeyword;
}

/** Key bits of a cipher suite, from its name (Node does not report them). */
export function cipherBits(name: string): number {
  const n = name.toUpperCase();
  if (/CHACHA20/.test(n)) return 256;
  const m = /AES[_-]?(128|256)/.exec(n) ?? /CAMELLIA[_-]?(128|256)/.exec(n) ?? /ARIA[_-]?(128|256)/.exec(n);
  if (m) return Number(m[1]);
  if (/3DES|DES-CBC3/.test(n)) return 112;
  return 0;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time in UTC: "Tue, 24 Nov 2026 00:21:13 +0000". */
export function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface ReceivedInput {
  helo: string;
  /** Reverse DNS name, or null when there is none ("unknown", as Postfix writes it). */
  reverseName: string | null;
  ip: string;
  hostname: string;
  protocol: ProtocolKeyword;
  queueId: string;
  recipients: string[];
  tls: Pick<TlsFacts, 'version' | 'cipher' | 'standardName' | 'bits' | 'algBits'> | null;
  date: Date;
}

// Nothing from the client may break the header: drop controls, spaces, parentheses, <>, ; and \\.
const clean = (s: string) => s.replace(/[\x00-\x20\x7f()<>;\\]/g, '') || 'unknown';

/** The Received field, folded (CRLF + tab) at clause boundaries, with its trailing CRLF. */
export function receivedHeader(r: ReceivedInput): string {
  const lines = [`Received: from ${clean(r.helo)} (${r.reverseName ? clean(r.reverseName) : 'unknown'} [${clean(r.ip)}])`];
  if (r.tls) lines.push(`(using ${clean(r.tls.version)} with cipher ${clean(r.tls.cipher)} (${r.tls.bits}/${r.tls.algBits} bits))`);
  lines.push(`by ${clean(r.hostname)} (Postern) with ${r.protocol} id ${r.queueId}`);
  const tail: string[] = [];
  if (r.recipients.length === 1) tail.push(`for <${clean(r.recipients[0])}>`);
  if (r.tls) tail.push(`tls ${clean(r.tls.standardName)}`);
  const date = rfc5322Date(r.date);
  if (tail.length) lines.push(`${tail.join(' ')}; ${date}`);
  else lines[lines.length - 1] += `; ${date}`;
  return lines.join('\r\n\t') + '\r\n';
}

/** RFC 5321 §4.4: the reverse-path, added at final delivery. */
export function returnPathHeader(mailFrom: string): string {
  return `Return-Path: <${mailFrom.replace(/[\x00-\x20\x7f<>]/g, '')}>\r\n`;
}
