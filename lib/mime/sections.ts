// BODY[section] from the stored index: which byte range of the raw message a section is
// (RFC 3501 section 6.4.5), so FETCH slices bytes instead of reparsing MIME. HEADER.FIELDS(.NOT)
// filters the header's field lines (the header only, never the body).
import { parseHeader } from './header';
import type { MimeIndex, MimeNode } from './types';

export type SectionSpecifier = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  part: number[];
  specifier?: SectionSpecifier;
  fields?: string[];
}

/** A plain byte range of the raw message, or a header filter over a range. */
export type SectionRange =
  | { kind: 'range'; start: number; end: number }
  | { kind: 'fields'; start: number; end: number; fields: string[]; not: boolean };

interface Located {
  node: MimeNode;
  /** True when the node is addressed as a message (the root, or reached through no part number). */
  asMessage: boolean;
}

/** Walks a part path: from a message, part n is its nth part (or its body for n = 1 if single-part). */
function locate(root: MimeNode, path: number[]): Located | null {
  let node = root;
  let asMessage = true;
  for (const n of path) {
    if (!Number.isInteger(n) || n < 1) return null;
    // Inside a message/rfc822 part, numbering continues in the encapsulated message.
    const container = !asMessage && node.m ? node.m : node;
    if (container.p) {
      const child = container.p[n - 1];
      if (!child) return null;
      node = child;
    } else if (asMessage || container !== node) {
      // Single-part message: part 1 is its body.
      if (n !== 1) return null;
      node = container;
    } else {
      return null;
    }
    asMessage = false;
  }
  return { node, asMessage };
}

/** The byte range a section refers to; null when the section does not exist (serve NIL). */
export function sectionRange(index: Pick<MimeIndex, 'root'>, section: Section): SectionRange | null {
  const loc = locate(index.root, section.part);
  if (!loc) return null;
  const { node, asMessage } = loc;
  const spec = section.specifier;
  if (!spec) {
    return asMessage ? { kind: 'range', start: node.h, end: node.e } : { kind: 'range', start: node.b, end: node.e };
  }
  if (spec === 'MIME') {
    if (asMessage) return null;
    return { kind: 'range', start: node.h, end: node.b };
  }
  // HEADER / HEADER.FIELDS / TEXT address a message: the root, or a message/rfc822 part's content.
  const msg = asMessage ? node : node.m;
  if (!msg) return null;
  if (spec === 'TEXT') return { kind: 'range', start: msg.b, end: msg.e };
  if (spec === 'HEADER') return { kind: 'range', start: msg.h, end: msg.b };
  return { kind: 'fields', start: msg.h, end: msg.b, fields: (section.fields ?? []).map((f) => f.toLowerCase()), not: spec === 'HEADER.FIELDS.NOT' };
}

/** The bytes of a section from the raw message (whole, before any <partial>). */
export function sectionBytes(raw: Buffer, index: MimeIndex, section: Section): Buffer | null {
  const r = sectionRange(index, section);
  if (!r) return null;
  if (r.kind === 'range') return raw.subarray(r.start, r.end);
  return filterHeader(raw, r.start, r.end, r.fields, r.not);
}

/** The header lines [start, end) whose names are (or, with not, are not) in `fields`, then CRLF. */
export function filterHeader(raw: Buffer, start: number, end: number, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields);
  const chunks: Buffer[] = [];
  for (const f of parseHeader(raw, start, end)) {
    if (wanted.has(f.key) !== not) chunks.push(raw.subarray(f.start, f.end));
  }
  chunks.push(Buffer.from('\r\n'));
  return Buffer.concat(chunks);
}

/** <offset.length> applied to a section's bytes (RFC 3501: an offset past the end gives empty). */
export function applyPartial(data: Buffer, partial?: { offset: number; length: number }): Buffer {
  if (!partial) return data;
  const start = Math.min(partial.offset, data.length);
  return data.subarray(start, Math.min(data.length, start + partial.length));
}
