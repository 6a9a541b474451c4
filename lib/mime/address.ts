// RFC 5322 address lists → ENVELOPE address structures (RFC 3501 section 7.4.2), lenient about
// what real mailers send. Display names are kept as sent (encoded-words undecoded), quoted
// strings unquoted, comments and folding whitespace (CFWS) dropped from addresses. A missing
// local part or domain becomes Dovecot's MISSING_MAILBOX / MISSING_DOMAIN, so host NIL stays
// reserved for group markers.
import { splitAddress } from '@/lib/validations/address';
import type { EnvelopeAddress } from './types';

type Token =
  | { t: 'atom'; v: string }
  | { t: 'quoted'; v: string }
  | { t: 'comment'; v: string }
  | { t: 'angle'; v: string }
  | { t: 'special'; v: ',' | ':' | ';' };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      i++;
      out.push({ t: 'quoted', v });
    } else if (c === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < s.length && depth > 0) {
        if (s[i] === '\\' && i + 1 < s.length) { v += s[i + 1]; i += 2; continue; }
        if (s[i] === '(') depth++;
        else if (s[i] === ')') { depth--; if (depth === 0) { i++; break; } }
        v += s[i++];
      }
      out.push({ t: 'comment', v });
    } else if (c === '<') {
      const angle = angleAddr(s, i + 1);
      out.push({ t: 'angle', v: angle.v });
      i = angle.next;
    } else if (c === ',' || c === ':' || c === ';') {
      out.push({ t: 'special', v: c });
      i++;
    } else {
      let v = '';
      while (i < s.length && !' \t\r\n"(<,:;'.includes(s[i])) v += s[i++];
      // A lone '>' or stray char still makes progress.
      if (!v) v = s[i++];
      out.push({ t: 'atom', v });
    }
  }
  return out;
}

/**
 * The addr-spec inside <...> from `start` (just after '<'): CFWS (RFC 5322 3.2.2) dropped outside
 * quoted strings, so "<user (c)@ (c) domain.org>" is user@domain.org; quoted strings are kept whole.
 */
function angleAddr(s: string, start: number): { v: string; next: number } {
  let v = '';
  let i = start;
  while (i < s.length && s[i] !== '>') {
    const c = s[i];
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      v += s.slice(i, j + 1);
      i = j + 1;
    } else if (c === '(') {
      let depth = 0;
      do {
        if (s[i] === '\\') i++;
        else if (s[i] === '(') depth++;
        else if (s[i] === ')') depth--;
        i++;
      } while (i < s.length && depth > 0);
    } else {
      if (!/\s/.test(c)) v += c;
      i++;
    }
  }
  return { v, next: i + 1 };
}

function splitAddr(spec: string): { adl: string | null; mailbox: string | null; host: string | null } {
  let adl: string | null = null;
  let addr = spec;
  // Obsolete source route: <@a,@b:user@host>
  const route = /^(@[^:]*):(.*)$/.exec(addr);
  if (route) {
    adl = route[1];
    addr = route[2];
  }
  const { local, domain: host } = splitAddress(addr);
  let mailbox = local;
  if (mailbox.length >= 2 && mailbox.startsWith('"') && mailbox.endsWith('"')) mailbox = mailbox.slice(1, -1);
  return { adl, mailbox: mailbox || 'MISSING_MAILBOX', host: host || 'MISSING_DOMAIN' };
}

function quoteLocal(v: string): string {
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(v) ? v : `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * One mailbox from its tokens (no top-level commas inside). As Dovecot does: a name-addr's name is
 * its phrase, never a comment; a bare addr-spec takes its last comment after it began
 * ("a@b.c (Real Name)") as the name, a comment before it ("(x) a@b.c") is only CFWS.
 */
function mailboxOf(tokens: Token[]): EnvelopeAddress | null {
  if (!tokens.length) return null;
  const angleIdx = tokens.findIndex((t) => t.t === 'angle');
  if (angleIdx !== -1) {
    const name = tokens.slice(0, angleIdx).filter((t) => t.t === 'atom' || t.t === 'quoted').map((t) => t.v).join(' ').trim();
    const { adl, mailbox, host } = splitAddr(tokens[angleIdx].v);
    return { name: name || null, adl, mailbox, host };
  }
  // addr-spec: join atoms and quoted strings without spaces; comments are CFWS.
  const spec = tokens
    .filter((t) => t.t === 'atom' || t.t === 'quoted')
    .map((t) => (t.t === 'quoted' ? quoteLocal(t.v) : t.v))
    .join('');
  if (!spec) return null;
  const begun = tokens.findIndex((t) => t.t !== 'comment');
  const comment = tokens.slice(begun).filter((t) => t.t === 'comment').pop();
  const { adl, mailbox, host } = splitAddr(spec);
  return { name: comment?.v.trim() || null, adl, mailbox, host };
}

/** Parses an address-list header value; null when it has no address at all (ENVELOPE NIL). */
export function parseAddressList(value: string | null): EnvelopeAddress[] | null {
  if (value === null) return null;
  const tokens = tokenize(value);
  const out: EnvelopeAddress[] = [];
  let cur: Token[] = [];
  let inGroup = false;
  const flush = () => {
    const a = mailboxOf(cur);
    if (a) out.push(a);
    cur = [];
  };
  for (const tok of tokens) {
    if (tok.t === 'special' && tok.v === ':' && !inGroup && !cur.some((t) => t.t === 'angle')) {
      const name = cur.filter((t) => t.t === 'atom' || t.t === 'quoted').map((t) => t.v).join(' ');
      out.push({ name: null, adl: null, mailbox: name, host: null });
      cur = [];
      inGroup = true;
    } else if (tok.t === 'special' && tok.v === ';' && inGroup) {
      flush();
      out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
    } else if (tok.t === 'special' && tok.v === ',') {
      flush();
    } else if (tok.t === 'special') {
      // A stray ':' or ';' outside its place: ignore.
    } else {
      cur.push(tok);
    }
  }
  flush();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out.length ? out : null;
}
