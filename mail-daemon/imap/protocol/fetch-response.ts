// FETCH and (E)SEARCH responses from typed data (RFC 3501 7.4.2 and 7.2.5, RFC 4731,
// RFC 7162 3.1.4, RFC 3516 BINARY): which items go out, in which order, and how they are written.
// Pure: the session supplies sequence numbers, \Recent and CONDSTORE state.
import { SYSTEM_FLAGS, type FetchResult, type MessageSummary } from '../backend';
import { formatDateTime } from './dates';
import { atom, BinaryData, untagged, WireBuilder, type WireValue } from './encode';
import type { FetchItem } from './fetch-items';
import { bodyStructureValue, envelopeValue } from './mime-wire';
import { partialData, type ResultOption } from './search-return';
import { formatSet } from './sequence';

/** A FLAGS list: system flags in their fixed order, then keywords, then \Recent when the view holds it. */
export function flagList(flags: readonly string[], recent: boolean): WireValue {
  const ordered = [...SYSTEM_FLAGS.filter((f) => flags.includes(f)), ...flags.filter((f) => !SYSTEM_FLAGS.includes(f))];
  const list: WireValue[] = ordered.map((f) => atom(f));
  if (recent) list.push(atom('\\Recent'));
  return list;
}

export interface FlagsResponseOptions {
  /** UID FETCH/STORE, QRESYNC, or an unsolicited change (RFC 7162 3.2.4). */
  uid: boolean;
  /** Not for STORE .SILENT. */
  flags: boolean;
  /** CONDSTORE is on (RFC 7162 3.1.4). */
  modseq: boolean;
  /** The view holds the message as \Recent. */
  recent: boolean;
}

/** `* seq FETCH (UID u FLAGS (...) MODSEQ (m))`: a STORE result or another session's flag change. */
export function flagsResponse(seq: number, m: MessageSummary, o: FlagsResponseOptions): Buffer[] {
  const values: WireValue[] = [];
  if (o.uid) values.push(atom('UID'), m.uid);
  if (o.flags) values.push(atom('FLAGS'), flagList(m.flags, o.recent));
  if (o.modseq) values.push(atom('MODSEQ'), [m.modseq]);
  return untagged(seq, atom('FETCH'), values);
}

export interface FetchRequest {
  /** The items as the client asked for them, in its order. */
  items: readonly FetchItem[];
  /** Response labels of the body sections among `items`, in the same order (BODY[1]<0>, RFC822...). */
  sectionLabels: readonly string[];
  /** UID FETCH, an explicit UID item, or QRESYNC. */
  uid: boolean;
  /** CONDSTORE is on: MODSEQ goes out whenever the store returned it. */
  condstore: boolean;
}

/**
 * `* seq FETCH (...)` for one message: UID first, then the items in the client's order
 * (FLAGS once), FLAGS unasked when a body read set \Seen, MODSEQ last. Literals stay
 * separate chunks, never copied.
 */
export function fetchResponse(seq: number, msg: FetchResult, req: FetchRequest, recent: boolean): Buffer[] {
  const b = new WireBuilder().raw(`* ${seq} FETCH (`);
  const parts: [string, WireValue][] = [];
  if (req.uid) parts.push(['UID', msg.uid]);
  let flagsSent = false;
  let sectionIndex = 0;
  for (const item of req.items) {
    switch (item.kind) {
      case 'FLAGS':
        if (msg.flags && !flagsSent) {
          parts.push(['FLAGS', flagList(msg.flags, recent)]);
          flagsSent = true;
        }
        break;
      case 'INTERNALDATE':
        if (msg.internalDate) parts.push(['INTERNALDATE', formatDateTime(msg.internalDate, msg.internalDateZone)]);
        break;
      case 'RFC822.SIZE':
        if (msg.size !== undefined) parts.push(['RFC822.SIZE', msg.size]);
        break;
      case 'ENVELOPE':
        if (msg.envelope) parts.push(['ENVELOPE', envelopeValue(msg.envelope)]);
        break;
      case 'BODY':
        if (msg.bodyStructure) parts.push(['BODY', bodyStructureValue(msg.bodyStructure, false)]);
        break;
      case 'BODYSTRUCTURE':
        if (msg.bodyStructure) parts.push(['BODYSTRUCTURE', bodyStructureValue(msg.bodyStructure, true)]);
        break;
      case 'UID':
      case 'MODSEQ':
        break;
      default: {
        const label = req.sectionLabels[sectionIndex];
        const data = msg.sections?.[sectionIndex]?.data ?? null;
        sectionIndex++;
        if (item.kind === 'BINARY.SIZE') parts.push([label, data?.length ?? 0]);
        else if (item.kind === 'BINARY[]') parts.push([label, data && new BinaryData(data)]);
        else parts.push([label, data]);
      }
    }
  }
  // A non-peek body read that set \Seen reports the new flags unasked.
  if (msg.flags && !flagsSent) parts.push(['FLAGS', flagList(msg.flags, recent)]);
  if (msg.modseq !== undefined && req.condstore) parts.push(['MODSEQ', [msg.modseq]]);
  parts.forEach(([name, value], i) => {
    if (i) b.raw(' ');
    b.raw(name + ' ').value(value);
  });
  return b.raw(')').done();
}

/** `* SEARCH n...` with `(MODSEQ m)` when the criteria used MODSEQ and something matched (RFC 7162 3.1.5). */
export function searchResponse(numbers: readonly number[], modseq: number | null): Buffer[] {
  const values: WireValue[] = [atom('SEARCH'), ...numbers];
  if (modseq !== null && numbers.length > 0) values.push([atom('MODSEQ'), modseq]);
  return untagged(...values);
}

/** RFC 4731's result options (read by ./search-return.ts). */
export type SearchReturn = ResultOption;

export interface EsearchResult {
  tag: string;
  uid: boolean;
  /** Ascending sequence numbers or UIDs. */
  numbers: readonly number[];
  returns: readonly SearchReturn[];
  /** Highest modseq of the matches when the criteria used MODSEQ, else null. */
  modseq: number | null;
  /** RFC 5267 4.4 PARTIAL first:last: the results at those positions. */
  partial?: { first: number; last: number };
}

/** `* ESEARCH (TAG "t") [UID] MIN a MAX b COUNT n ALL set [MODSEQ m]` (RFC 4731 3.1); empty results omit MIN, MAX, ALL. */
export function esearchResponse(r: EsearchResult): Buffer[] {
  const { numbers, returns } = r;
  const b = new WireBuilder().raw('* ESEARCH ').value([atom('TAG'), r.tag]);
  if (r.uid) b.raw(' UID');
  if (numbers.length && returns.includes('MIN')) b.raw(` MIN ${numbers[0]}`);
  if (numbers.length && returns.includes('MAX')) b.raw(` MAX ${numbers[numbers.length - 1]}`);
  if (returns.includes('COUNT')) b.raw(` COUNT ${numbers.length}`);
  if (numbers.length && returns.includes('ALL')) b.raw(` ALL ${formatSet(numbers)}`);
  if (r.partial) b.raw(` PARTIAL (${partialData(r.partial, numbers, formatSet)})`);
  if (r.modseq !== null && numbers.length > 0) b.raw(` MODSEQ ${r.modseq}`);
  return b.done();
}
