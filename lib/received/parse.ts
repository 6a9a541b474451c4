/**
 * Received header → hop (field meanings in ./types.ts). Clauses (RFC 5321 section 4.4) are read in any order;
 * comments are read for TLS facts wherever they stand, because every MTA puts them somewhere else
 * (Postfix after `from`, Sendmail after `id`, Exim after `with`, Microsoft inside `with`). What the header
 * does not say stays null; a header it cannot read gives nulls, never a guess.
 */
import ipaddr from 'ipaddr.js';
import { splitAddress } from '@/lib/validations/address';
import { parseReceivedDate } from './date';
import { readClientCertComment, readTlsComment } from './tls-facts';
import { tokenize, unfold, type Token } from './tokenize';
import type { ClientCertificate, HopTls, ReceivedHop } from './types';

/** Longest header value we read; a Received header is a few hundred bytes in the wild. */
export const MAX_RECEIVED_LENGTH = 16 * 1024;

type Clause = 'from' | 'by' | 'via' | 'with' | 'id' | 'for' | 'tls';
const CLAUSES = new Set<Clause>(['from', 'by', 'via', 'with', 'id', 'for', 'tls']);
/** Unregistered clause words some MTAs write (Haraka, Exim) that must end a multi-word `with`/`via` value. */
const OTHER_CLAUSE_WORDS = new Set(['envelope-from', 'envelope-sender', 'ident', 'auth']);

/** RFC 3848 / RFC 6531 transmission types with TLS, plus Google's SMTPS. */
const TLS_PROTOCOL = /^(?:UTF8)?(?:E?SMTP|LMTP)SA?$/;
/** SMTP/LMTP transmission types without TLS. */
const PLAIN_PROTOCOL = /^(?:(?:UTF8)?(?:E?SMTP|LMTP)A?|ASMTP|MICROSOFT SMTP SERVER|MICROSOFT SMTPSVC|MICROSOFT ESMTP MAIL SERVICE)$/;
const AUTH_PROTOCOL = /^(?:UTF8)?(?:E?SMTP|LMTP)S?A$/;

export function isTlsProtocol(protocol: string | null): boolean {
  return protocol !== null && TLS_PROTOCOL.test(protocol);
}

export function isSmtpProtocol(protocol: string | null): boolean {
  return protocol !== null && (TLS_PROTOCOL.test(protocol) || PLAIN_PROTOCOL.test(protocol));
}

const V4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const V6 = /^[0-9A-Fa-f:.]{2,45}$/;

function isIp(s: string): boolean {
  if (V4.test(s)) return ipaddr.IPv4.isValidFourPartDecimal(s);
  return s.includes(':') && V6.test(s) && ipaddr.IPv6.isValid(s);
}

function literalIp(lit: string): string | null {
  let inner = lit
    .replace(/^\[/, '')
    .replace(/\]$/, '')
    .replace(/^\((.*)\)$/, '$1')
    .replace(/^IPv6:/i, '')
    .trim();
  // with a client port: "192.0.2.1:50387" (ecelerity), "192.0.2.1.50387" (Exim 3)
  const port = /^(\d{1,3}(?:\.\d{1,3}){3})[.:]\d{1,5}$/.exec(inner);
  if (port) inner = port[1];
  return isIp(inner) ? inner : null;
}

const UNKNOWN_NAMES = new Set(['unknown', '<unknown>']);

/** From the comments following the `from` value: the connecting IP and the reverse name, where stated. */
function readFromComments(
  helo: Token | null,
  comments: string[],
  exim: boolean,
): { name: string | null; ip: string | null } {
  let ip: string | null = null;
  let name: string | null = null;
  let heloComment = false;
  let quotedEhlo = false;

  for (const c of comments) {
    if (/^(?:HELO|EHLO)\s/i.test(c)) {
      heloComment = true; // qmail / Haraka "(HELO x)": the from value is the reverse name
      continue;
    }
    if (/"(?:HELO|EHLO)\s/i.test(c)) quotedEhlo = true; // ZMailer: ([ip]:port "EHLO x" rhost-flags…)
    if (ip === null) {
      for (const m of c.matchAll(/\[([^\]\s]+)\]/g)) {
        // "(account x HELO [10.1.1.1])": the client's HELO literal, not its address
        if (/(?:HELO|EHLO)\s*$|helo=$/i.test(c.slice(0, m.index))) continue;
        const v = literalIp(m[1]);
        if (v) {
          ip = v;
          break;
        }
      }
    }
    if (ip === null) {
      // Microsoft "(2603:10a6:4:2b::18)", qmail "(10.0.0.7)" or "(user@10.0.0.7)"
      for (const part of c.split(/[\s,]+/)) {
        const v = part.includes('@') ? splitAddress(part).domain : part;
        if (isIp(v)) {
          ip = v;
          break;
        }
      }
    }
    if (name === null) {
      // Postfix/Sendmail/OpenSMTPD/Courier/Haraka/Stalwart: "(reverse.name [ip] …)"
      const m = /^([^\s[\]()]+)\s*\[/.exec(c);
      if (m && !UNKNOWN_NAMES.has(m[1].toLowerCase()) && !/^(?:helo|ident|port)=/i.test(m[1])) name = m[1];
    }
  }

  const heloValue = helo && (helo.t === 'word' || helo.t === 'literal') ? helo.v : null;
  if (ip === null && helo?.t === 'literal') ip = literalIp(helo.v);
  // webmail and fetchers write the client address itself: "from 24.8.231.233 by … with HTTP"
  if (ip === null && helo?.t === 'word' && isIp(helo.v)) ip = helo.v;
  if (name === null && heloValue && helo?.t === 'word' && !UNKNOWN_NAMES.has(heloValue.toLowerCase())) {
    // qmail and ZMailer put the reverse name first; Exim does too when it has one ("name ([ip] helo=x)")
    const firstStartsWithLiteral = comments.length > 0 && comments[0].startsWith('[');
    if (heloComment || quotedEhlo || (exim && firstStartsWithLiteral)) name = heloValue;
  }
  return { name, ip };
}

function tokenText(t: Token): string | null {
  switch (t.t) {
    case 'word':
    case 'literal':
    case 'quoted':
    case 'angle':
      return t.v;
    default:
      return null;
  }
}

export function parseReceived(value: string): ReceivedHop {
  const raw = unfold(value.length > MAX_RECEIVED_LENGTH ? value.slice(0, MAX_RECEIVED_LENGTH) : value);
  const tokens = tokenize(raw);

  const semi = tokens.findIndex((t) => t.t === 'semi');
  const head = semi === -1 ? tokens : tokens.slice(0, semi);
  const tail = semi === -1 ? [] : tokens.slice(semi + 1);

  const values: Partial<Record<Clause, Token | null>> = {};
  const multi: Partial<Record<'with' | 'via', string[]>> = {};
  const fromComments: string[] = [];
  const allComments: string[] = [];
  let current: Clause | 'other' | null = null;
  let needValue = false;

  for (const tok of head) {
    if (tok.t === 'word') {
      const w = tok.v.toLowerCase();
      // "from tls by …": a value that happens to be spelt like a clause word (never "from"/"by")
      const valueSlot = needValue && current !== null && current !== 'other' && current !== 'with' && current !== 'via';
      if (CLAUSES.has(w as Clause) && !(w in values) && !(valueSlot && w !== 'from' && w !== 'by')) {
        current = w as Clause;
        values[current] = null;
        needValue = true;
        if (current === 'with' || current === 'via') multi[current] = [];
        continue;
      }
      if (OTHER_CLAUSE_WORDS.has(w)) {
        current = 'other';
        needValue = false;
        continue;
      }
    }
    if (tok.t === 'comment') {
      allComments.push(tok.v);
      if (current === 'from') fromComments.push(tok.v);
      // "with Microsoft SMTP Server (…) id …": a comment ends a multi-word value; qmail's
      // "with (cipher encrypted) SMTP" puts the comment before the value, which stays open.
      if ((current === 'with' || current === 'via') && multi[current]!.length > 0) current = null;
      continue;
    }
    if (current === 'with' || current === 'via') {
      if (tok.t === 'word') multi[current]!.push(tok.v);
      else current = null;
      continue;
    }
    if (current !== null && current !== 'other' && needValue) {
      values[current] = tok;
      needValue = false;
      continue;
    }
    // Cellopoint writes "from host [(ip)]": a literal after the from value
    if (current === 'from' && tok.t === 'literal') fromComments.push(tok.v);
  }

  // Courier writes the queue id after the date: "; Sat, 21 Mar 2020 00:40:12 +0200 id 00000000005A1C77…"
  let dateTokens = tail;
  const idAfterDate = tail.findIndex((t) => t.t === 'word' && t.v.toLowerCase() === 'id');
  if (idAfterDate > 0 && !values.id && tail[idAfterDate + 1]) {
    values.id = tail[idAfterDate + 1];
    dateTokens = tail.slice(0, idAfterDate);
  }
  let dateText = dateTokens
    .map((t) => (t.t === 'comment' ? `(${t.v})` : t.t === 'semi' ? ';' : t.v))
    .join(' ');
  if (semi === -1) {
    // some writers drop the ";" before the date; read a date only when it ends the header
    const m = /(?:[A-Za-z]{3},\s*)?\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d{2}(?::\d{2})?(?: [+-]\d{4}| [A-Z]{1,5})?(?: \([^()]*\))?$/.exec(raw);
    dateText = m ? m[0] : '';
  }

  const withValue = multi.with && multi.with.length > 0 ? multi.with.join(' ') : null;
  const protocol = withValue ? withValue.toUpperCase() : null;
  const byTok = values.by ?? null;
  const fromTok = values.from ?? null;
  const exim = allComments.some((c) => /^Exim\b/i.test(c)) || allComments.some((c) => /\bhelo=/i.test(c));

  // TLS facts
  const tls: HopTls = { used: null, version: null, cipher: null, bits: null };
  let stated = false;
  let clientCert: ClientCertificate | null = null;
  for (const c of allComments) {
    const cc = readClientCertComment(c);
    if (cc) {
      clientCert ??= cc;
      stated = true;
      continue;
    }
    const r = readTlsComment(c);
    if (r === null) continue;
    stated = true;
    if (r === 'tls-only') continue;
    if (tls.version === null && r.version) tls.version = r.version;
    if (tls.cipher === null && r.cipher) tls.cipher = r.cipher;
    if (tls.bits === null && r.bits !== null) tls.bits = r.bits;
    if (r.clientCert) clientCert ??= r.clientCert;
  }
  const tlsClause = values.tls ? tokenText(values.tls) : null;
  if ('tls' in values) {
    stated = true;
    if (tls.cipher === null && tlsClause) tls.cipher = tlsClause;
  }
  if (stated || isTlsProtocol(protocol)) tls.used = true;
  // Without a `from` part no client connected over a network (Gmail's own "by … with SMTP id",
  // written where the message entered its system): nothing says cleartext went over a wire.
  else if (isSmtpProtocol(protocol) && 'from' in values) tls.used = false;
  else tls.used = null;

  const fromInfo = fromTok === undefined ? { name: null, ip: null } : readFromComments(fromTok, fromComments, exim);
  // a list separator glued to a value ("by st.example.org, id …") is punctuation, not the name
  const trim = (v: string) => (v.length > 1 ? v.replace(/,+$/, '') : v);
  const helo = fromTok && fromTok.t !== 'comment' && fromTok.t !== 'semi' ? trim(fromTok.v) : null;
  const by = byTok && (byTok.t === 'word' || byTok.t === 'literal') ? trim(byTok.v) : null;
  const forTok = values.for ?? null;
  let forValue: string | null = null;
  if (forTok) {
    const t = tokenText(forTok);
    forValue = t === null ? null : forTok.t === 'angle' ? t.replace(/^<+|>+$/g, '').trim() || null : t;
  }
  const idTok = values.id ?? null;
  const idText = idTok ? tokenText(idTok) : null;
  const id = idText === null ? null : trim(idText);

  const authenticated =
    (protocol !== null && AUTH_PROTOCOL.test(protocol)) ||
    allComments.some((c) => /\bAuthenticated sender:|\bauthenticated bits=|^auth info:/i.test(c));

  return {
    from: { helo, name: fromInfo.name, ip: fromInfo.ip },
    by,
    via: multi.via && multi.via.length > 0 ? multi.via.join(' ') : null,
    protocol,
    id,
    for: forValue,
    date: parseReceivedDate(dateText),
    tls,
    authenticated,
    clientCert,
    raw,
  };
}
