// Over 300 lines: the indexer walks the MIME tree in one pass; its parts share the walk state.
// The MIME indexer: raw message bytes → { envelope, bodystructure, part offsets }, computed once
// at delivery/APPEND. Every size and line count is measured on the very byte ranges that
// BODY[section] serves (lib/mime/sections.ts), so the size we announce equals the bytes we serve.
//
// Lenient like real servers: bare LF line ends, missing boundaries, unterminated multiparts,
// parts without headers. Bounded: nesting depth and part count are capped (deeper content is a leaf).
import { createHash } from 'node:crypto';
import { parseAddressList } from './address';
import { headerValue, parseHeader, parseStructured, paramValue, type HeaderField, type ParsedHeader } from './header';
import type { BodyParams, BodyStructure, Envelope, MimeIndex, MimeNode, SinglePartBody } from './types';

export const MAX_DEPTH = 32;
export const MAX_PARTS = 5000;

const LF = 0x0a;
const CR = 0x0d;

interface Ctx {
  raw: Buffer;
  parts: number;
}

/** Lines of [start, end) as served: the number of LFs (as Dovecot counts body lines). */
export function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  let i = raw.indexOf(LF, start);
  while (i !== -1 && i < end) {
    n++;
    i = raw.indexOf(LF, i + 1);
  }
  return n;
}

/** Bare LF and bare CR become CRLF (IMAP serves CRLF lines; sizes are then exact). Same buffer if already clean. */
export function normalizeCrlf(raw: Buffer): Buffer {
  let clean = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if ((c === LF && (i === 0 || raw[i - 1] !== CR)) || (c === CR && raw[i + 1] !== LF)) {
      clean = false;
      break;
    }
  }
  if (clean) return raw;
  const out = Buffer.allocUnsafe(raw.length * 2);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === CR) {
      out[o++] = CR;
      out[o++] = LF;
      if (raw[i + 1] === LF) i++;
    } else if (c === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else out[o++] = c;
  }
  return Buffer.from(out.subarray(0, o));
}

export function envelopeOf(fields: HeaderField[]): Envelope {
  const from = parseAddressList(headerValue(fields, 'from'));
  const sender = parseAddressList(headerValue(fields, 'sender')) ?? from;
  const replyTo = parseAddressList(headerValue(fields, 'reply-to')) ?? from;
  return {
    date: headerValue(fields, 'date'),
    subject: headerValue(fields, 'subject'),
    from,
    sender,
    replyTo,
    to: parseAddressList(headerValue(fields, 'to')),
    cc: parseAddressList(headerValue(fields, 'cc')),
    bcc: parseAddressList(headerValue(fields, 'bcc')),
    inReplyTo: headerValue(fields, 'in-reply-to'),
    messageId: headerValue(fields, 'message-id'),
  };
}

/** A delimiter line: which boundary of the stack it matched (innermost first), whether it closes. */
interface Delimiter {
  /** Index in the boundary stack. */
  level: number;
  close: boolean;
  /** Start of the delimiter line and the index after its line break. */
  lineStart: number;
  lineEnd: number;
}

/**
 * RFC 2046 section 5.1.1: a delimiter line starts with "--" + boundary (the whole line need not match).
 * Nested boundaries are tried innermost first, so an inner boundary that extends an outer one
 * ("b" and "b-alt") still nests.
 */
function delimiterAt(raw: Buffer, pos: number, le: number, stack: Buffer[]): Delimiter | null {
  if (raw[pos] !== 0x2d || raw[pos + 1] !== 0x2d) return null;
  for (let level = stack.length - 1; level >= 0; level--) {
    const b = stack[level];
    const at = pos + 2;
    if (le - at >= b.length && raw.compare(b, 0, b.length, at, at + b.length) === 0) {
      const q = at + b.length;
      const close = q + 1 < le && raw[q] === 0x2d && raw[q + 1] === 0x2d;
      return { level, close, lineStart: pos, lineEnd: le };
    }
  }
  return null;
}

/** The next delimiter line at or after `pos` (a line start), or null before `limit`. */
function nextDelimiter(raw: Buffer, pos: number, limit: number, stack: Buffer[]): Delimiter | null {
  if (!stack.length) return null;
  while (pos < limit) {
    const nl = raw.indexOf(LF, pos);
    const le = nl === -1 || nl >= limit ? limit : nl + 1;
    const d = delimiterAt(raw, pos, le, stack);
    if (d) return d;
    pos = le;
  }
  return null;
}

/** Where content ends before a delimiter line: the line break before it belongs to the delimiter. */
function endBefore(raw: Buffer, lineStart: number, floor: number): number {
  let e = lineStart;
  if (e > floor && raw[e - 1] === LF) e--;
  if (e > floor && raw[e - 1] === CR) e--;
  return e;
}

function normalizeEncoding(v: string | null): string {
  const e = (v ?? '').trim();
  return e ? e.toUpperCase() : '7BIT';
}
function languageOf(fields: HeaderField[]): string[] | null {
  const v = headerValue(fields, 'content-language');
  if (!v) return null;
  const langs = v.split(',').map((s) => s.trim()).filter(Boolean);
  return langs.length ? langs : null;
}

function dispositionOf(fields: HeaderField[]): SinglePartBody['disposition'] {
  const v = headerValue(fields, 'content-disposition');
  if (!v) return null;
  const { value, params } = parseStructured(v);
  return value ? { type: value, params } : null;
}

interface Parsed {
  node: MimeNode;
  bs: BodyStructure;
  /** The entity's header fields, parsed once (its ENVELOPE is read from them too). */
  fields: HeaderField[];
  /** The delimiter line that ended this entity (null: it ran to the end of the data). */
  next: Delimiter | null;
}

/**
 * Parses one entity starting at `start`: its header up to the blank line, its body up to the
 * next delimiter line of an enclosing multipart (`stack`, innermost last) or `limit`.
 * `digest`: the default type is message/rfc822 (inside multipart/digest).
 */
function parseEntity(ctx: Ctx, start: number, limit: number, depth: number, digest: boolean, stack: Buffer[]): Parsed {
  const { raw } = ctx;
  ctx.parts++;
  // Header: lines up to the blank line; a delimiter line first means a header-only entity.
  let b = limit;
  let early: Delimiter | null = null;
  for (let pos = start; pos < limit; ) {
    const nl = raw.indexOf(LF, pos);
    const le = nl === -1 || nl >= limit ? limit : nl + 1;
    const d = delimiterAt(raw, pos, le, stack);
    if (d) {
      early = d;
      b = endBefore(raw, pos, start);
      break;
    }
    if ((le - pos === 1 && raw[pos] === LF) || (le - pos === 2 && raw[pos] === CR && raw[pos + 1] === LF)) {
      b = le;
      break;
    }
    pos = le;
  }
  const fields = parseHeader(raw, start, b);
  const node: MimeNode = { h: start, b, e: b };

  let type = digest ? 'message' : 'text';
  let subtype = digest ? 'rfc822' : 'plain';
  let params: BodyParams = [];
  const ct = headerValue(fields, 'content-type');
  if (ct !== null) {
    const parsed = parseStructured(ct);
    const m = /^([^/\s]+)\s*\/\s*([^\s]+)$/.exec(parsed.value);
    if (m) {
      type = m[1].toLowerCase();
      subtype = m[2].toLowerCase();
      params = parsed.params;
    } else {
      // An unparseable Content-Type is text/plain (RFC 2045 section 5.2).
      type = 'text';
      subtype = 'plain';
      params = [];
    }
  }
  if (type === 'text' && !params.some(([n]) => n === 'charset')) params = [...params, ['charset', 'us-ascii']];

  const ext = {
    disposition: dispositionOf(fields),
    language: languageOf(fields),
    location: headerValue(fields, 'content-location'),
  };
  const encoding = normalizeEncoding(headerValue(fields, 'content-transfer-encoding'));
  const canDescend = !early && depth < MAX_DEPTH && ctx.parts < MAX_PARTS;

  if (type === 'multipart' && canDescend) {
    const boundary = paramValue(params, 'boundary');
    if (boundary) {
      const inner = [...stack, Buffer.from(boundary, 'latin1')];
      const own = inner.length - 1;
      let d = nextDelimiter(raw, b, limit, inner);
      if (d && d.level === own) {
        const children: Parsed[] = [];
        // Parts until our close delimiter, or until an enclosing delimiter / the end (unterminated).
        while (d && d.level === own && !d.close && ctx.parts < MAX_PARTS) {
          const child = parseEntity(ctx, d.lineEnd, limit, depth + 1, subtype === 'digest', inner);
          children.push(child);
          d = child.next;
        }
        let next: Delimiter | null;
        if (d && d.level === own) {
          // Closed (or part budget spent): the epilogue runs to the enclosing delimiter.
          next = nextDelimiter(raw, d.lineEnd, limit, stack);
        } else next = d;
        // The close delimiter line keeps its own line break (an empty epilogue is empty).
        const floor = d && d.level === own ? d.lineEnd : b;
        node.e = next ? endBefore(raw, next.lineStart, floor) : limit;
        node.p = children.map((c) => c.node);
        return { node, bs: { kind: 'multipart', subtype, parts: children.map((c) => c.bs), params, ...ext }, fields, next };
      }
    }
    // No usable boundary: served as one text/plain body.
    type = 'text';
    subtype = 'plain';
    params = [['charset', 'us-ascii']];
  }

  let next: Delimiter | null = early;
  const single: SinglePartBody = {
    kind: 'single',
    type,
    subtype,
    params,
    id: headerValue(fields, 'content-id'),
    description: headerValue(fields, 'content-description'),
    encoding,
    size: 0,
    md5: headerValue(fields, 'content-md5'),
    ...ext,
  };
  const isMessage = type === 'message' && (subtype === 'rfc822' || subtype === 'global');
  if (isMessage && canDescend && !['BASE64', 'QUOTED-PRINTABLE'].includes(encoding)) {
    const inner = parseEntity(ctx, b, limit, depth + 1, false, stack);
    node.m = inner.node;
    node.e = inner.node.e;
    next = inner.next;
    single.envelope = envelopeOf(inner.fields);
    single.body = inner.bs;
  } else {
    if (!early) {
      next = nextDelimiter(raw, b, limit, stack);
      node.e = next ? endBefore(raw, next.lineStart, b) : limit;
    }
    if (isMessage) {
      // An encoded (or too deeply nested) message/rfc822 is not indexed inside, but BODYSTRUCTURE
      // still needs its envelope and body fields: an empty envelope and an empty text body.
      node.m = { h: node.e, b: node.e, e: node.e };
      single.envelope = envelopeOf([]);
      single.body = {
        kind: 'single', type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']], id: null, description: null,
        encoding: '7BIT', size: 0, lines: 0, md5: null, disposition: null, language: null, location: null,
      };
    }
  }
  single.size = node.e - node.b;
  if (type === 'text' || single.body) single.lines = countLines(raw, node.b, node.e);
  return { node, bs: single, fields, next };
}

function sentAtOf(date: string | null): string | null {
  if (!date) return null;
  const t = Date.parse(date.replace(/\s*\([^)]*\)\s*$/, ''));
  if (Number.isNaN(t)) return null;
  const d = new Date(t);
  // Only plausible dates (a timestamptz column must hold it).
  return d.getUTCFullYear() >= 1900 && d.getUTCFullYear() <= 9999 ? d.toISOString() : null;
}

/** Indexes a raw message. Never throws on malformed input. */
export function indexMessage(raw: Buffer): MimeIndex {
  return indexWithHeader(raw).index;
}

/** The MIME index and the top-level header it was read from, for callers that need both (delivery). */
export function indexWithHeader(raw: Buffer): { index: MimeIndex; header: ParsedHeader } {
  const ctx: Ctx = { raw, parts: 0 };
  const { node, bs, fields } = parseEntity(ctx, 0, raw.length, 0, false, []);
  const envelope = envelopeOf(fields);
  return {
    index: { v: 1, envelope, bodyStructure: bs, root: node, sentAt: sentAtOf(envelope.date) },
    header: { raw, fields, encoding: 'latin1' },
  };
}

export function sha256Hex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}
