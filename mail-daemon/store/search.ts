// SEARCH: the typed criteria tree becomes SQL where it can (flags, UIDs, dates, sizes, MODSEQ,
// \Recent); text keys (HEADER/FROM/SUBJECT..., BODY, TEXT) are matched in JS over the stored
// bytes of the SQL candidates, decoding encoded-words, transfer encodings and charsets.
import type { SearchKey } from '@/mail-daemon/imap/backend';
import { parseHeader, type MimeIndex, type MimeNode } from '@/lib/mime';
import { uidCondition } from './flags';

export interface SearchRow {
  uid: number;
  flags: string[];
  modseq: number;
  internalDate: Date;
  size: number;
  sentAt: Date | null;
}

export interface SearchContext {
  recent: ReadonlySet<number>;
}

export function needsText(key: SearchKey): boolean {
  switch (key.op) {
    case 'header':
    case 'body':
    case 'text':
      return true;
    case 'and':
      return key.keys.some(needsText);
    case 'or':
      return key.keys.some(needsText);
    case 'not':
      return needsText(key.key);
    default:
      return false;
  }
}

/** BODY/TEXT need the whole message; HEADER-only searches read just the header bytes. */
export function needsBody(key: SearchKey): boolean {
  if (key.op === 'body' || key.op === 'text') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(needsBody);
  if (key.op === 'not') return needsBody(key.key);
  return false;
}

export function usesModseq(key: SearchKey): boolean {
  if (key.op === 'modseq') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(usesModseq);
  if (key.op === 'not') return usesModseq(key.key);
  return false;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function validDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`bad search day ${day}`);
  return day;
}

/**
 * SQL for the structured part of a key over columns m.uid, m.flags, m.modseq, m.internal_date,
 * m.size, b.sent_at. Text keys compile to TRUE only where that is a safe pre-filter (positive
 * positions), so the SQL result is a superset that the JS pass narrows.
 */
export function compileSql(key: SearchKey, params: unknown[], ctx: SearchContext, positive = true): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (key.op) {
    case 'all':
      return 'TRUE';
    case 'and':
      return key.keys.length ? `(${key.keys.map((k) => compileSql(k, params, ctx, positive)).join(' AND ')})` : 'TRUE';
    case 'or':
      return `(${key.keys.map((k) => compileSql(k, params, ctx, positive)).join(' OR ')})`;
    case 'not':
      if (needsText(key.key)) return 'TRUE';
      return `NOT (${compileSql(key.key, params, ctx, !positive)})`;
    case 'uid':
      return uidCondition(key.ranges, params, 'm.uid');
    case 'flag':
      return `${key.present ? '' : 'NOT '}(${p(key.flag)} = ANY(m.flags))`;
    case 'recent':
      return `m.uid = ANY(${p([...ctx.recent])}::bigint[])`;
    case 'date': {
      // Without a parseable Date: header, the sent date is the internal date (as Dovecot does).
      const col = key.field === 'internal' ? 'm.internal_date' : 'coalesce(b.sent_at, m.internal_date)';
      const day = validDay(key.day);
      // Dates compare by UTC day, time and zone disregarded.
      if (key.cmp === 'before') return `(${col} < ${p(day)}::date)`;
      if (key.cmp === 'since') return `(${col} >= ${p(day)}::date)`;
      return `(${col} >= ${p(day)}::date AND ${col} < ${p(nextDay(day))}::date)`;
    }
    case 'size':
      return key.cmp === 'larger' ? `m.size > ${p(key.bytes)}` : `m.size < ${p(key.bytes)}`;
    case 'modseq':
      return `m.modseq >= ${p(key.min)}`;
    case 'header':
    case 'body':
    case 'text':
      return 'TRUE';
  }
}

// ---------------------------------------------------------------- text matching

function decodeCharset(bytes: Buffer, charset: string | null): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(cs === 'us-ascii' ? 'utf-8' : cs).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function decodeQp(s: Buffer): Buffer {
  const text = s.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(text.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded-words decoded for matching. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQp(Buffer.from(text.replace(/_/g, ' '), 'latin1'));
      return decodeCharset(bytes, charset);
    });
}

function fold(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ');
}

/** Decoded text of the leaf text parts of a message (searched by BODY/TEXT). */
function bodyText(raw: Buffer, index: MimeIndex): string {
  const out: string[] = [];
  const walk = (node: MimeNode, depth: number) => {
    if (depth > 20) return;
    if (node.p) return node.p.forEach((c) => walk(c, depth + 1));
    if (node.m) return walk(node.m, depth + 1);
    const fields = parseHeader(raw, node.h, node.b);
    const ct = fields.find((f) => f.key === 'content-type')?.value ?? 'text/plain';
    if (!/^\s*(text\/|message\/)/i.test(ct) && fields.some((f) => f.key === 'content-type')) return;
    const cte = (fields.find((f) => f.key === 'content-transfer-encoding')?.value ?? '').toLowerCase();
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(ct)?.[1] ?? null;
    let bytes = raw.subarray(node.b, node.e);
    if (cte === 'base64') bytes = Buffer.from(bytes.toString('latin1'), 'base64');
    else if (cte === 'quoted-printable') bytes = decodeQp(bytes);
    out.push(decodeCharset(bytes, charset));
  };
  walk(index.root, 0);
  return out.join('\n');
}

/** Evaluates the full key over one message (row data plus its raw bytes when text keys need them). */
export function matches(key: SearchKey, row: SearchRow, ctx: SearchContext, text: () => { raw: Buffer; index: MimeIndex }): boolean {
  switch (key.op) {
    case 'all':
      return true;
    case 'and':
      return key.keys.every((k) => matches(k, row, ctx, text));
    case 'or':
      return key.keys.some((k) => matches(k, row, ctx, text));
    case 'not':
      return !matches(key.key, row, ctx, text);
    case 'uid':
      return key.ranges.some(([a, b]) => row.uid >= Math.min(a, b) && row.uid <= Math.max(a, b));
    case 'flag':
      return row.flags.includes(key.flag) === key.present;
    case 'recent':
      return ctx.recent.has(row.uid);
    case 'date': {
      const d = key.field === 'internal' ? row.internalDate : (row.sentAt ?? row.internalDate);
      const day = d.toISOString().slice(0, 10);
      return key.cmp === 'before' ? day < key.day : key.cmp === 'since' ? day >= key.day : day === key.day;
    }
    case 'size':
      return key.cmp === 'larger' ? row.size > key.bytes : row.size < key.bytes;
    case 'modseq':
      return row.modseq >= key.min;
    case 'header': {
      const { raw, index } = text();
      const want = fold(key.value);
      const name = key.field.toLowerCase();
      return parseHeader(raw, index.root.h, index.root.b).some((f) => f.key === name && fold(decodeWords(f.value)).includes(want));
    }
    case 'body': {
      const { raw, index } = text();
      return fold(bodyText(raw, index)).includes(fold(key.value));
    }
    case 'text': {
      const { raw, index } = text();
      const want = fold(key.value);
      const header = parseHeader(raw, index.root.h, index.root.b).map((f) => `${f.key}: ${decodeWords(f.value)}`).join('\n');
      return fold(header).includes(want) || fold(bodyText(raw, index)).includes(want);
    }
  }
}
