/**
 * A cursor over one header value for the RFC 8601 §2.2 grammar: CFWS (blanks and RFC 5322 comments,
 * nested, with quoted-pairs) may sit between any two tokens, so every read skips it first and keeps
 * the comments it passed for the caller.
 */

/** RFC 2045 token: printable US-ASCII except blanks and tspecials `()<>@,;:\"/[]?=`. */
const TOKEN = /[!#-'*+\-.0-9A-Z^-~]+/y;
/** RFC 5321 Ldh-str (RFC 8601 Keyword), with `_` too: real writers use it in method and property names. */
const KEYWORD = /[A-Za-z0-9][A-Za-z0-9_-]*/y;
const DIGITS = /[0-9]+/y;
/** A pvalue outside quotes: RFC 8601's `[[local-part] "@"] domain-name` or a token, read up to the next blank, comment or `;`. */
const PVALUE = /[^\s();"]+/y;

export class ParseError extends Error {}

export class Reader {
  pos = 0;
  /** comments seen since the last takeComments() */
  private comments: string[] = [];

  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new ParseError(this.text.slice(this.pos).trim() === "" ? `${what} at the end` : `${what} at ${this.pos + 1} ("${this.text.slice(this.pos, this.pos + 12)}")`);
  }

  atEnd(): boolean {
    this.cfws();
    return this.pos >= this.text.length;
  }

  takeComments(): string[] {
    const out = this.comments;
    this.comments = [];
    return out;
  }

  /** Skips blanks and comments; an unclosed comment is an error (the rest of the field would vanish into it). */
  cfws(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos])) this.pos++;
      if (t[this.pos] !== '(') return;
      const start = this.pos;
      let depth = 0;
      let j = this.pos;
      for (; j < t.length; j++) {
        const c = t[j];
        if (c === '\\') j++;
        else if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
      }
      if (depth !== 0) {
        this.pos = start;
        this.fail('unclosed comment');
      }
      this.comments.push(t.slice(start + 1, j).replace(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim());
      this.pos = j + 1;
    }
  }

  peek(c: string): boolean {
    this.cfws();
    return this.text[this.pos] === c;
  }

  /** Consumes `c` if it is next. */
  accept(c: string): boolean {
    if (!this.peek(c)) return false;
    this.pos++;
    return true;
  }

  expect(c: string, after: string): void {
    if (!this.accept(c)) this.fail(`expected "${c}" ${after}`);
  }

  private sticky(re: RegExp): string | null {
    this.cfws();
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }

  keyword(): string | null {
    return this.sticky(KEYWORD);
  }

  digits(): string | null {
    return this.sticky(DIGITS);
  }

  /** RFC 5322 quoted-string, unquoted; null when none starts here. */
  quoted(): string | null {
    this.cfws();
    if (this.text[this.pos] !== '"') return null;
    let out = '';
    let j = this.pos + 1;
    for (; j < this.text.length && this.text[j] !== '"'; j++) {
      if (this.text[j] === '\\' && j + 1 < this.text.length) j++;
      out += this.text[j];
    }
    if (j >= this.text.length) this.fail('unclosed quoted string');
    this.pos = j + 1;
    return out;
  }

  /** RFC 2045 value: token or quoted-string. */
  value(): string | null {
    return this.quoted() ?? this.sticky(TOKEN);
  }

  /** A property value: a quoted string (a quoted local-part may be followed by @domain) or a bare run. */
  pvalue(): string | null {
    const q = this.quoted();
    if (q !== null) {
      if (this.text[this.pos] !== '@') return q;
      PVALUE.lastIndex = this.pos;
      const rest = PVALUE.exec(this.text)?.[0] ?? '';
      this.pos += rest.length;
      return `"${q}"${rest}`;
    }
    return this.sticky(PVALUE);
  }

  /** True when the next characters are `word` followed by a non-keyword character (case-insensitive). */
  lookingAt(word: string): boolean {
    this.cfws();
    const next = this.text.slice(this.pos, this.pos + word.length);
    return next.toLowerCase() === word && !/[A-Za-z0-9_-]/.test(this.text[this.pos + word.length] ?? '');
  }
}
