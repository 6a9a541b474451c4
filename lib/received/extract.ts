/**
 * The Received fields of a message (or of pasted headers), in header order: the topmost — the last hop,
 * added by the receiving server — first. Only the header section is read (up to the first empty line),
 * split into fields by lib/mime's header parser, the same one the MIME indexer uses.
 */
import { parseHeader, type ParsedHeader } from '@/lib/mime/header';

/** Header sections beyond this are not read (a real one is a few KB). */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** More Received fields than this is a loop or an attack; the rest are not read. */
export const MAX_RECEIVED_FIELDS = 500;

export type { ParsedHeader };

const CR = 0x0d;
const LF = 0x0a;

/**
 * The header of a message or of pasted text: at most MAX_HEADER_BYTES, blank lines before the first
 * field skipped (pasted text often starts with some).
 */
export function parseHeaderOf(input: string | Buffer): ParsedHeader {
  const encoding = typeof input === 'string' ? 'utf8' : 'latin1';
  const raw = typeof input === 'string' ? Buffer.from(input.slice(0, MAX_HEADER_BYTES), 'utf8') : input;
  const end = Math.min(raw.length, typeof input === 'string' ? raw.length : MAX_HEADER_BYTES);
  let start = 0;
  while (start < end && (raw[start] === CR || raw[start] === LF)) start++;
  return { raw, fields: parseHeader(raw, start, end), encoding };
}

// RFC 5322 section 3.6.8: a field name is printable US-ASCII except ":", then optional blanks and ":".
const FIELD = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Every header field as [name, value], in order. The value keeps its folding as "\n" line breaks
 * (parseReceived unfolds). Pasted text may be indented as a whole: the first field may start with blanks.
 */
export function headerFields(input: string | Buffer | ParsedHeader): Array<[string, string]> {
  const { raw, fields, encoding } = typeof input === 'string' || Buffer.isBuffer(input) ? parseHeaderOf(input) : input;
  const out: Array<[string, string]> = [];
  for (const f of fields) {
    const [first, ...folded] = raw.toString(encoding, f.start, f.end).replace(/\r?\n$/, '').split(/\r?\n/);
    const m = FIELD.exec(out.length === 0 ? first.trimStart() : first);
    if (m) out.push([m[1], [m[2], ...folded].join('\n')]);
  }
  return out;
}

export function extractReceivedHeaders(input: string | Buffer | ParsedHeader, limit = MAX_RECEIVED_FIELDS): string[] {
  const out: string[] = [];
  for (const [name, value] of headerFields(input)) {
    if (name.toLowerCase() !== 'received') continue;
    out.push(value);
    if (out.length >= limit) break;
  }
  return out;
}
