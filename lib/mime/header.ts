// Header-level parsing over raw bytes: field lines (with their exact byte ranges, for
// BODY[HEADER.FIELDS]), unfolded values, Content-Type/Disposition parameters (RFC 2045, RFC 2231).
import type { BodyParams } from './types';

export interface HeaderField {
  /** Lower-case field name. */
  key: string;
  /** Unfolded value, leading/trailing whitespace removed (bytes decoded as UTF-8). */
  value: string;
  /** The field's raw bytes [start, end), including folded lines and the final line break. */
  start: number;
  end: number;
}

/** A message's bytes with its top-level header fields, parsed once and shared (MIME index, Received hops). */
export interface ParsedHeader {
  raw: Buffer;
  fields: readonly HeaderField[];
  /** How the field bytes are read as text: latin1 for stored mail (every byte kept), utf8 for pasted text. */
  encoding: 'latin1' | 'utf8';
}

const LF = 0x0a;
const CR = 0x0d;

/** End of the line starting at `pos` (index after its LF), or `end`. */
export function lineEnd(raw: Buffer, pos: number, end: number): number {
  const i = raw.indexOf(LF, pos);
  return i === -1 || i >= end ? end : i + 1;
}

/** True if the line [pos, le) is empty (just CRLF or LF). */
function isBlankLine(raw: Buffer, pos: number, le: number): boolean {
  const n = le - pos;
  return (n === 1 && raw[pos] === LF) || (n === 2 && raw[pos] === CR && raw[pos + 1] === LF);
}

/**
 * Where the body of the entity starting at `start` begins: after the first blank line, or
 * `end` when there is none (then the whole entity is header).
 */
export function findBodyStart(raw: Buffer, start: number, end: number): number {
  let pos = start;
  while (pos < end) {
    const le = lineEnd(raw, pos, end);
    if (isBlankLine(raw, pos, le)) return le;
    pos = le;
  }
  return end;
}

/** The header fields in [start, end) (end = body start: the blank line is not a field). */
export function parseHeader(raw: Buffer, start: number, end: number): HeaderField[] {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: { start: number; end: number } | null = null;
  const flush = () => {
    if (!current) return;
    const text = raw.toString('utf8', current.start, current.end);
    const colon = text.indexOf(':');
    if (colon > 0) {
      const key = text.slice(0, colon).trim().toLowerCase();
      const value = text.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '').trim();
      if (key && !/\s/.test(key)) fields.push({ key, value, start: current.start, end: current.end });
    }
    current = null;
  };
  while (pos < end) {
    const le = lineEnd(raw, pos, end);
    if (isBlankLine(raw, pos, le)) break;
    const first = raw[pos];
    if ((first === 0x20 || first === 0x09) && current) {
      current.end = le;
    } else {
      flush();
      current = { start: pos, end: le };
    }
    pos = le;
  }
  flush();
  return fields;
}

/**
 * The message without the top-level header fields `drop` selects (each with its folded lines);
 * every other byte as it was. The same buffer when nothing is dropped.
 */
export function removeHeaderFields(message: Buffer, drop: (f: HeaderField) => boolean): { message: Buffer; removed: number } {
  const dropped = parseHeader(message, 0, findBodyStart(message, 0, message.length)).filter(drop);
  if (!dropped.length) return { message, removed: 0 };
  const parts: Buffer[] = [];
  let pos = 0;
  for (const f of dropped) {
    parts.push(message.subarray(pos, f.start));
    pos = f.end;
  }
  parts.push(message.subarray(pos));
  return { message: Buffer.concat(parts), removed: dropped.length };
}

export function headerValue(fields: HeaderField[], key: string): string | null {
  const f = fields.find((x) => x.key === key);
  return f ? f.value : null;
}

// ---------------------------------------------------------------- structured values

/** Strips RFC 5322 comments outside quoted strings. */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && (quoted || depth > 0)) {
      if (depth === 0) out += c + s[i + 1];
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted) {
      if (c === '(') { depth++; continue; }
      if (c === ')' && depth > 0) { depth--; continue; }
    }
    if (depth === 0) out += c;
  }
  return out;
}

/** Splits "value; a=b; c=\"d;e\"" at top-level semicolons. */
function splitParams(s: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function unquote(v: string): string {
  v = v.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (v.startsWith('"')) return v.slice(1).replace(/\\(.)/g, '$1');
  return v;
}

/** Parses "token; name=value; ..." into the lead value and RFC 2231-joined parameters. */
export function parseStructured(value: string): { value: string; params: BodyParams } {
  const pieces = splitParams(stripComments(value));
  const lead = (pieces.shift() ?? '').trim();
  const plain: BodyParams = [];
  // name -> { extended, sections[] }
  const continued = new Map<string, { extended: boolean; sections: string[]; order: number }>();
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const rawName = piece.slice(0, eq).trim().toLowerCase();
    const v = unquote(piece.slice(eq + 1));
    if (!rawName) continue;
    const m = /^([^*]+)\*(\d+)(\*?)$/.exec(rawName);
    if (m) {
      const [, name, idx, star] = m;
      let entry = continued.get(name);
      if (!entry) {
        entry = { extended: false, sections: [], order: plain.length };
        continued.set(name, entry);
        plain.push([name, '']); // placeholder keeps the order
      }
      if (idx === '0' && star) entry.extended = true;
      const i = Number(idx);
      if (i < 100) entry.sections[i] = v;
      continue;
    }
    if (plain.some(([n]) => n === rawName)) continue; // first wins
    plain.push([rawName, v]);
  }
  for (const [name, entry] of continued) {
    const joined = entry.sections.filter((s) => s !== undefined).join('');
    plain[entry.order] = [entry.extended ? `${name}*` : name, joined];
  }
  // A placeholder may collide with a plain param of the same name: keep the first.
  const seen = new Set<string>();
  const unique = plain.filter(([n]) => (seen.has(n) ? false : (seen.add(n), true)));
  // RFC 2231 parameters after the plain ones, as Dovecot lists them.
  return { value: lead, params: [...unique.filter(([n]) => !n.endsWith('*')), ...unique.filter(([n]) => n.endsWith('*'))] };
}

export function paramValue(params: BodyParams, name: string): string | null {
  const p = params.find(([n]) => n === name);
  return p ? p[1] : null;
}
