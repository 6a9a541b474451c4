// A cursor over one framed command: the RFC 3501 grammar's tokens (atoms, quoted
// strings, literals, lists, numbers). Command parsers are written with it; no
// regexes parse commands inside handlers.
import type { Part, Spool } from './framer';

export class ParseError extends Error {}

const ATOM_SPECIALS = new Set(['(', ')', '{', ' ', '%', '*', '"', '\\', ']']);

function isAtomChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x7f ? !ATOM_SPECIALS.has(c) : code >= 0x80;
}

export class Reader {
  private part = 0;
  private pos = 0;

  /** `utf8`: the client enabled UTF8=ACCEPT (RFC 6855), so mailbox names arrive as UTF-8. */
  constructor(
    private readonly parts: Part[],
    readonly utf8 = false,
  ) {
    if (parts.length === 0 || !('text' in parts[0])) this.parts = [{ text: '' }, ...parts];
  }

  static fromText(text: string): Reader {
    return new Reader([{ text }]);
  }

  private get text(): string | null {
    const p = this.parts[this.part];
    return p && 'text' in p ? p.text : null;
  }

  /** The next character in the current text part, or '' at a literal or the end. */
  peek(): string {
    const t = this.text;
    if (t === null) return '';
    return this.pos < t.length ? t[this.pos] : '';
  }

  private atLiteral(): boolean {
    const t = this.text;
    if (t === null) return false;
    if (this.pos < t.length) return false;
    const next = this.parts[this.part + 1];
    return !!next && ('literal' in next || 'spool' in next);
  }

  /** The next token is a literal8 (RFC 3516 ~{n}), allowed for message data only. */
  atLiteral8(): boolean {
    return this.atLiteral() && !!(this.parts[this.part + 1] as { binary?: true }).binary;
  }

  /** A literal or literal8 that may have been spooled to disk (APPEND's message data). */
  literalOrSpool(): Buffer | Spool {
    if (!this.atLiteral()) throw new ParseError('Expected a literal');
    const next = this.parts[this.part + 1];
    this.part += 2;
    this.pos = 0;
    if (this.part >= this.parts.length) this.parts.push({ text: '' });
    return 'spool' in next ? next.spool : (next as { literal: Buffer }).literal;
  }

  atEnd(): boolean {
    const t = this.text;
    return t !== null && this.pos >= t.length && this.part === this.parts.length - 1;
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError('Unexpected extra arguments');
  }

  sp(): void {
    if (this.peek() !== ' ') throw new ParseError('Expected a space');
    this.pos++;
  }

  /** A space if there is one; true when consumed. */
  maybeSp(): boolean {
    if (this.peek() === ' ') {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(s: string): void {
    const t = this.text ?? '';
    if (t.substr(this.pos, s.length).toUpperCase() !== s.toUpperCase()) throw new ParseError(`Expected ${s}`);
    this.pos += s.length;
  }

  /** Consumes `s` (case-insensitive) if it is next. */
  accept(s: string): boolean {
    const t = this.text ?? '';
    if (t.substr(this.pos, s.length).toUpperCase() === s.toUpperCase()) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  /** Characters while `ok` holds, at least one. */
  private run(ok: (c: string) => boolean, what: string): string {
    const t = this.text ?? '';
    const start = this.pos;
    while (this.pos < t.length && ok(t[this.pos])) this.pos++;
    if (this.pos === start) throw new ParseError(`Expected ${what}`);
    return t.slice(start, this.pos);
  }

  /** Letters, digits, '.', '-' (section names, keywords of extensions). */
  word(): string {
    return this.run((c) => /[A-Za-z0-9.\-]/.test(c), 'a word');
  }

  /** The characters a sequence set is made of. */
  sequenceText(): string {
    return this.run((c) => /[0-9:*,$]/.test(c), 'a sequence set');
  }

  atom(): string {
    return this.run(isAtomChar, 'an atom');
  }

  /** An atom that may contain ']' (ASTRING-CHAR), as mailbox names and flags do. */
  astringAtom(): string {
    return this.run((c) => c === ']' || isAtomChar(c), 'a string');
  }

  tag(): string {
    return this.run((c) => c !== '+' && (c === ']' || isAtomChar(c)), 'a tag');
  }

  number(): number {
    const digits = this.run((c) => c >= '0' && c <= '9', 'a number');
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new ParseError('Number out of range');
    return n;
  }

  /** A 63-bit number (MODSEQ). */
  number64(): bigint {
    const digits = this.run((c) => c >= '0' && c <= '9', 'a number');
    const n = BigInt(digits);
    if (n > 0x7fffffffffffffffn) throw new ParseError('Number out of range');
    return n;
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw new ParseError('Expected a non-zero number');
    return n;
  }

  quoted(): string {
    const t = this.text ?? '';
    if (t[this.pos] !== '"') throw new ParseError('Expected a quoted string');
    let out = '';
    let i = this.pos + 1;
    for (; i < t.length; i++) {
      const c = t[i];
      if (c === '"') break;
      if (c === '\\') {
        const n = t[i + 1];
        if (n !== '"' && n !== '\\') throw new ParseError('Bad escape in quoted string');
        out += n;
        i++;
      } else out += c;
    }
    if (i >= t.length) throw new ParseError('Unterminated quoted string');
    this.pos = i + 1;
    return out;
  }

  /** The literal at the cursor, as bytes. */
  literal(): Buffer {
    if (!this.atLiteral()) throw new ParseError('Expected a literal');
    const lit = this.parts[this.part + 1];
    if (!('literal' in lit)) throw new ParseError('Literal too large here');
    if (lit.binary) throw new ParseError('literal8 is allowed for message data only');
    this.part += 2;
    this.pos = 0;
    if (this.part >= this.parts.length) {
      this.parts.push({ text: '' });
    }
    return lit.literal;
  }

  /** string = quoted / literal, as bytes (literals keep their bytes). */
  stringBytes(): Buffer {
    if (this.atLiteral()) return this.literal();
    return Buffer.from(this.quoted(), 'utf8');
  }

  string(): string {
    if (this.atLiteral()) return this.literal().toString('utf8');
    return this.quoted();
  }

  astring(): string {
    if (this.peek() === '"' || this.atLiteral()) return this.string();
    return this.astringAtom();
  }

  nstring(): string | null {
    if (this.accept('NIL')) return null;
    return this.string();
  }

  /** A list-mailbox pattern: list-char (atom chars, '%', '*', ']') or a string. */
  listMailbox(): string {
    if (this.peek() === '"' || this.atLiteral()) return this.string();
    return this.run((c) => c === '%' || c === '*' || c === ']' || isAtomChar(c), 'a mailbox pattern');
  }

  /** A flag: \Word or a keyword atom. */
  flag(): string {
    if (this.peek() === '\\') {
      this.pos++;
      if (this.peek() === '*') {
        this.pos++;
        return '\\*';
      }
      return '\\' + this.atom();
    }
    return this.atom();
  }

  /** "(" item *(SP item) ")"; an empty list is allowed when `allowEmpty`. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    const out: T[] = [];
    if (this.accept(')')) {
      if (!allowEmpty) throw new ParseError('Empty list');
      return out;
    }
    for (;;) {
      out.push(item());
      if (this.accept(')')) return out;
      this.sp();
    }
  }

  /** Everything left in the current text part (raw), for sequence sets and such. */
  rest(): string {
    const t = this.text ?? '';
    const r = t.slice(this.pos);
    this.pos = t.length;
    return r;
  }
}
