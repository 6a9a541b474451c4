/**
 * Lexer for a Received header value (RFC 5322 section 3.6.7 / RFC 5321 section 4.4): words, comments
 * (nested, with quoted-pairs), angle addresses, domain literals, quoted strings and the `;` before the date.
 * It never throws: an unbalanced comment or bracket runs to the end of the value.
 */

export type Token =
  | { t: 'word'; v: string }
  | { t: 'comment'; v: string }
  | { t: 'angle'; v: string }
  | { t: 'literal'; v: string }
  | { t: 'quoted'; v: string }
  | { t: 'semi' };

const WORD = /[^\s()<>[\]";]+/y;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Replace folding and runs of whitespace by one space. */
export function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]*/g, ' ').replace(/[ \t\r\n]+/g, ' ').trim();
}

export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  const n = input.length;
  let i = 0;
  while (i < n) {
    const c = input[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      let depth = 1;
      let j = i + 1;
      while (j < n && depth > 0) {
        const d = input[j];
        if (d === '\\' && j + 1 < n) {
          j += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') depth--;
        j++;
      }
      const end = depth === 0 ? j - 1 : j;
      out.push({ t: 'comment', v: input.slice(i + 1, end).trim() });
      i = j;
      continue;
    }
    if (c === '<' || c === '[' || c === '"') {
      const close = c === '<' ? '>' : c === '[' ? ']' : '"';
      let j = i + 1;
      while (j < n && input[j] !== close) {
        if (c === '"' && input[j] === '\\') j++;
        j++;
      }
      const raw = input.slice(i, Math.min(j + 1, n));
      out.push({ t: c === '<' ? 'angle' : c === '[' ? 'literal' : 'quoted', v: raw });
      i = j + 1;
      continue;
    }
    if (c === ';') {
      out.push({ t: 'semi' });
      i++;
      continue;
    }
    if (c === ')' || c === '>' || c === ']') {
      i++; // stray closer: skip
      continue;
    }
    WORD.lastIndex = i;
    const m = WORD.exec(input);
    const j = m ? i + m[0].length : i + 1;
    out.push({ t: 'word', v: input.slice(i, j) });
    i = j;
  }
  return out;
}
