// The MIME indexer: raw message bytes → { envelope, bodystructure, part offsets }, computed once
// at delivery/APPEND. Every size and line count is measured on the very byte ranges that
// BODY[section] serves (lib/mime/sections.ts), so the size we announce equals the bytes we serve.
//
// Lenient like real servers: bare LF line ends, missing boundaries, unterminated multiparts,
// parts without headers. Bounded: nesting depth and part count are capped (deeper content is a leaf).
import { createHash } from 'node:crypto';
import { parseAddressList } from './address';
import { findBodyStart, headerValue, parseHeader, parseStructured, paramValue, type HeaderField } from './header';
import type { BodyParams, BodyStructure, Envelope, MimeIndex, MimeNode, SinglePartBody } from './types';

export const MAX_DEPTH = 32;
export const MAX_PARTS = 5000;

const LF = 0x0a;
const CR = 0x0d;

interface Ctx {
  raw: Buffer;
  parts: number;
}

/** Lines of [start, end) as served: LF count, plus one for a last line without a line break. */
export function countLines(raw: Buffer, start: number, end: number): number {
  if (end <= start) return 0;
  let n = 0;
  let i = raw.indexOf(LF, start);
  while (i !== -1 && i < end) {
    n++;
    i = raw.indexOf(LF, i + 1);
  }
  if (raw[end - 1] !== LF) n++;
  return n;
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

/**
 * The parts of a multipart body [start, end) delimited by `--boundary` lines. Each part ends at the
 * line break before its delimiter (RFC 2046: that CRLF belongs to the delimiter). Preamble and
 * epilogue are not parts. Returns null when no delimiter line is found.
 */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): [number, number][] | null {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: [number, number][] = [];
  let open: number | null = null;
  let found = false;
  let pos = start;
  while (pos < end) {
    const nl = raw.indexOf(LF, pos);
    const le = nl === -1 || nl >= end ? end : nl + 1;
    if (raw[pos] === 0x2d && le - pos >= delim.length && raw.compare(delim, 0, delim.length, pos, pos + delim.length) === 0) {
      let q = pos + delim.length;
      let close = false;
      if (raw[q] === 0x2d && raw[q + 1] === 0x2d && q + 1 < le) {
        close = true;
        q += 2;
      }
      // Only transport padding may follow the delimiter (else it may be a longer, nested boundary).
      let ok = true;
      for (let k = q; k < le; k++) {
        const c = raw[k];
        if (c !== 0x20 && c !== 0x09 && c !== CR && c !== LF) { ok = false; break; }
      }
      if (ok) {
        found = true;
        if (open !== null) {
          let partEnd = pos;
          if (partEnd > open && raw[partEnd - 1] === LF) partEnd--;
          if (partEnd > open && raw[partEnd - 1] === CR) partEnd--;
          parts.push([open, Math.max(open, partEnd)]);
        }
        if (close) return parts;
        open = le;
      }
    }
    pos = le;
  }
  if (!found) return null;
  if (open !== null) parts.push([open, end]);
  return parts;
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

/**
 * Indexes one entity [start, end): header at start, body after the blank line.
 * `defaultType` is text/plain, or message/rfc822 inside multipart/digest.
 */
function indexEntity(ctx: Ctx, start: number, end: number, depth: number, digest: boolean): { node: MimeNode; bs: BodyStructure } {
  const { raw } = ctx;
  const b = findBodyStart(raw, start, end);
  const fields = parseHeader(raw, start, b);
  const node: MimeNode = { h: start, b, e: end };
  ctx.parts++;

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
  if (type === 'text' && !params.some(([n]) => n === 'charset')) params = [['charset', 'us-ascii'], ...params];

  const ext = {
    disposition: dispositionOf(fields),
    language: languageOf(fields),
    location: headerValue(fields, 'content-location'),
  };
  const encoding = normalizeEncoding(headerValue(fields, 'content-transfer-encoding'));
  const canDescend = depth < MAX_DEPTH && ctx.parts < MAX_PARTS;

  if (type === 'multipart' && canDescend) {
    const boundary = paramValue(params, 'boundary');
    const ranges = boundary ? splitMultipart(raw, b, end, boundary) : null;
    if (ranges && ranges.length) {
      const children = ranges.map(([s, e]) => indexEntity(ctx, s, e, depth + 1, subtype === 'digest'));
      node.p = children.map((c) => c.node);
      return {
        node,
        bs: { kind: 'multipart', subtype, parts: children.map((c) => c.bs), params, ...ext },
      };
    }
    // No usable boundary: served as one text/plain body.
    type = 'text';
    subtype = 'plain';
    params = [['charset', 'us-ascii']];
  }

  const single: SinglePartBody = {
    kind: 'single',
    type,
    subtype,
    params,
    id: headerValue(fields, 'content-id'),
    description: headerValue(fields, 'content-description'),
    encoding,
    size: end - b,
    md5: headerValue(fields, 'content-md5'),
    ...ext,
  };
  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global') && canDescend && !['BASE64', 'QUOTED-PRINTABLE'].includes(encoding)) {
    const inner = indexEntity(ctx, b, end, depth + 1, false);
    node.m = inner.node;
    single.envelope = envelopeOf(parseHeader(raw, b, inner.node.b));
    single.body = inner.bs;
    single.lines = countLines(raw, b, end);
  } else if (type === 'text') {
    single.lines = countLines(raw, b, end);
  }
  return { node, bs: single };
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
  const ctx: Ctx = { raw, parts: 0 };
  const { node, bs } = indexEntity(ctx, 0, raw.length, 0, false);
  const envelope = envelopeOf(parseHeader(raw, 0, node.b));
  return { v: 1, envelope, bodyStructure: bs, root: node, sentAt: sentAtOf(envelope.date) };
}

export function sha256Hex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}
