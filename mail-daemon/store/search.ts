// SEARCH: the typed criteria tree becomes SQL where it can (flags, UIDs, dates, sizes, MODSEQ,
// \Recent, the header keys HEADER/SUBJECT, FROM/TO/CC/BCC on the fields whose match text is
// stored, ./search-text.ts, and BODY over the stored body text, ./body-scan.ts); the other text
// keys (HEADER of other fields, TEXT), and every text key on messages stored without those texts,
// are matched in JS over the stored bytes of the
// SQL candidates, decoding encoded-words, transfer encodings and charsets. Bodies are streamed in
// slices (./body-scan.ts): a large message is never held whole. Running it over a folder is ./search-folder.ts.
import type { SearchKey } from '@/mail-daemon/imap/backend';
import type { HeaderField } from '@/lib/mime';
import { fold } from './body-scan';
import { uidCondition } from './flags';
import { addressMatchText, decodeWords, headerMatchText, SEARCHED_FIELDS, storedTextCondition } from './search-text';

export interface SearchRow {
  uid: number;
  flags: string[];
  modseq: number;
  internalDate: Date;
  size: number;
  /** The Date: header's day in its own zone ('YYYY-MM-DD'), null without a parseable one. */
  sentDay: string | null;
}

export interface SearchContext {
  recent: ReadonlySet<number>;
}

export function needsText(key: SearchKey): boolean {
  switch (key.op) {
    case 'header':
    case 'address':
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

/** The folded strings BODY and TEXT keys look for in message bodies; none: only headers are read. */
export function bodyNeedles(key: SearchKey): string[] {
  if (key.op === 'body' || key.op === 'text') return [fold(key.value)];
  if (key.op === 'and' || key.op === 'or') return key.keys.flatMap(bodyNeedles);
  if (key.op === 'not') return bodyNeedles(key.key);
  return [];
}

/**
 * Where a key's text keys can be answered: 'none' without text keys; 'stored' when all are BODY or
 * header keys on fields whose match text mail_blobs keeps (exact SQL for the rows that have it);
 * 'bytes' when one needs the stored message (TEXT, HEADER of another field).
 */
export function textSource(key: SearchKey): 'none' | 'stored' | 'bytes' {
  switch (key.op) {
    case 'header':
      return SEARCHED_FIELDS.has(key.field.toLowerCase()) && !key.value.includes('\0') ? 'stored' : 'bytes';
    case 'address':
    case 'body':
      return key.value.includes('\0') ? 'bytes' : 'stored';
    case 'text':
      return 'bytes';
    case 'and':
    case 'or': {
      const sources = key.keys.map(textSource);
      return sources.includes('bytes') ? 'bytes' : sources.includes('stored') ? 'stored' : 'none';
    }
    case 'not':
      return textSource(key.key);
    default:
      return 'none';
  }
}

/** Whether a key reads the top-level header fields (HEADER, SUBJECT, FROM/TO/CC/BCC, TEXT). */
export function readsHeader(key: SearchKey): boolean {
  if (key.op === 'header' || key.op === 'address' || key.op === 'text') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(readsHeader);
  if (key.op === 'not') return readsHeader(key.key);
  return false;
}

/**
 * SQL true for a row without a stored text that a 'stored' key reads (stored before the column,
 * or a text not kept): such rows are matched in JS over their bytes.
 */
export function unindexedSql(key: SearchKey): string {
  const columns = new Set<string>();
  const walk = (k: SearchKey): void => {
    if (k.op === 'header' || k.op === 'address') columns.add('b.search_headers');
    else if (k.op === 'body') columns.add('b.search_body');
    else if (k.op === 'and' || k.op === 'or') k.keys.forEach(walk);
    else if (k.op === 'not') walk(k.key);
  };
  walk(key);
  return columns.size ? [...columns].map((c) => `${c} IS NULL`).join(' OR ') : 'FALSE';
}

/** Whether a key reads the stored message's row (mail_blobs): its texts, or the Date: header's day. */
export function readsBlob(key: SearchKey): boolean {
  if (key.op === 'date') return key.field === 'sent';
  if (key.op === 'and' || key.op === 'or') return key.keys.some(readsBlob);
  if (key.op === 'not') return readsBlob(key.key);
  return needsText(key);
}

export function usesModseq(key: SearchKey): boolean {
  if (key.op === 'modseq') return true;
  if (key.op === 'and' || key.op === 'or') return key.keys.some(usesModseq);
  if (key.op === 'not') return usesModseq(key.key);
  return false;
}

function validDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`bad search day ${day}`);
  return day;
}

/**
 * SQL for the structured part of a key over columns m.uid, m.flags, m.modseq, m.internal_date,
 * m.size, b.sent_date. Text keys compile to TRUE only where that is a safe pre-filter (positive
 * positions), so the SQL result is a superset that the JS pass narrows.
 */
export function compileSql(key: SearchKey, params: unknown[], ctx: SearchContext, positive = true): string {
  return compile(key, params, ctx, positive, false);
}

/**
 * `stored`: the key's text keys are all BODY or header keys on stored fields (textSource 'stored'),
 * and compile to exact conditions on b.search_headers / b.search_addresses / b.search_body, for
 * rows that have them.
 */
export function compile(key: SearchKey, params: unknown[], ctx: SearchContext, positive: boolean, stored: boolean): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  switch (key.op) {
    case 'all':
      return 'TRUE';
    case 'and':
      return key.keys.length ? `(${key.keys.map((k) => compile(k, params, ctx, positive, stored)).join(' AND ')})` : 'TRUE';
    case 'or':
      return `(${key.keys.map((k) => compile(k, params, ctx, positive, stored)).join(' OR ')})`;
    case 'not':
      if (!stored && needsText(key.key)) return 'TRUE';
      return `NOT (${compile(key.key, params, ctx, !positive, stored)})`;
    case 'uid':
      return uidCondition(key.ranges, params, 'm.uid');
    case 'flag':
      return `${key.present ? '' : 'NOT '}(${p(key.flag)} = ANY(m.flags))`;
    case 'recent':
      return `m.uid = ANY(${p([...ctx.recent])}::bigint[])`;
    case 'date': {
      // The internal date by its UTC day (as INTERNALDATE shows it); the sent date as the Date:
      // header writes it, or the internal date's day without a parseable one (as Dovecot does).
      const internal = `(m.internal_date AT TIME ZONE 'UTC')::date`;
      const col = key.field === 'internal' ? internal : `coalesce(b.sent_date, ${internal})`;
      const day = p(validDay(key.day));
      if (key.cmp === 'before') return `(${col} < ${day}::date)`;
      if (key.cmp === 'since') return `(${col} >= ${day}::date)`;
      return `(${col} = ${day}::date)`;
    }
    case 'size':
      return key.cmp === 'larger' ? `m.size > ${p(key.bytes)}` : `m.size < ${p(key.bytes)}`;
    case 'modseq':
      return `m.modseq >= ${p(key.min)}`;
    case 'header':
      return stored ? storedTextCondition('b.search_headers', key.field.toLowerCase(), key.value, p) : 'TRUE';
    case 'address':
      return stored ? storedTextCondition('b.search_addresses', key.field, key.value, p) : 'TRUE';
    case 'body':
      return stored ? `(strpos(b.search_body, ${p(fold(key.value))}) > 0)` : 'TRUE';
    case 'text':
      return 'TRUE';
  }
}

// ---------------------------------------------------------------- text matching

/** What text keys look at in one message: its top-level header fields, and the body needles found. */
export interface MessageText {
  header: readonly HeaderField[];
  /** The folded BODY/TEXT needles its text parts contain. */
  bodyFound: ReadonlySet<string>;
}

/** Evaluates the full key over one message (row data plus, for text keys, what its text holds). */
export function matches(key: SearchKey, row: SearchRow, ctx: SearchContext, text: MessageText | null): boolean {
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
      const internal = row.internalDate.toISOString().slice(0, 10);
      const day = key.field === 'internal' ? internal : (row.sentDay ?? internal);
      return key.cmp === 'before' ? day < key.day : key.cmp === 'since' ? day >= key.day : day === key.day;
    }
    case 'size':
      return key.cmp === 'larger' ? row.size > key.bytes : row.size < key.bytes;
    case 'modseq':
      return row.modseq >= key.min;
    case 'header': {
      const want = fold(key.value);
      const name = key.field.toLowerCase();
      return text!.header.some((f) => f.key === name && headerMatchText(f.value).includes(want));
    }
    case 'address': {
      const want = fold(key.value);
      return text!.header.some((f) => f.key === key.field && addressMatchText(f.value).includes(want));
    }
    case 'body':
      return text!.bodyFound.has(fold(key.value));
    case 'text': {
      const want = fold(key.value);
      const header = text!.header.map((f) => `${f.key}: ${decodeWords(f.value)}`).join('\n');
      return fold(header).includes(want) || text!.bodyFound.has(want);
    }
  }
}
