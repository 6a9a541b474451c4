// Over 300 lines: FETCH, STORE and SEARCH with their argument readers are the selected state; split further they would only call each other.
// Selected-state commands: CHECK, CLOSE, UNSELECT, EXPUNGE, SEARCH, FETCH, STORE,
// COPY, MOVE and their UID forms (UID EXPUNGE from UIDPLUS).
import { SYSTEM_FLAGS, type FetchItems, type SearchKey as StoreSearchKey, type SectionSpec, type UidRanges } from '../backend';
import { Code } from '../codes';
import { atom } from '../protocol/encode';
import { binaryLabel, readFetchSpec, sectionLabel, type FetchItem } from '../protocol/fetch-items';
import { esearchResponse, fetchResponse, flagsResponse, searchResponse, type SearchReturn } from '../protocol/fetch-response';
import { ParseError, type Reader } from '../protocol/reader';
import { readSearch, usesModseq, type SearchCommand, type SearchKey } from '../protocol/search';
import { readReturnOptions, type ReturnOptions } from '../protocol/search-return';
import { formatSet, readSequenceSet, resolveStar, toRanges, type SequenceSet } from '../protocol/sequence';
import { startUpdate, tagInUse } from './context';
import { readMailbox } from './mailbox-name';
import { canonicalFlag } from './authenticated';
import { bad, command, no, ok, SELECTED, tryCreateOrThrow, type CommandSession, type Completion } from './types';

// ---------------------------------------------------------------- CHECK / CLOSE / UNSELECT / EXPUNGE

const check = command({
  states: SELECTED,
  async handle(s) {
    await s.sync({ expunge: true, force: true });
  },
});

const close = command({
  states: SELECTED,
  async handle(s) {
    const view = s.view;
    s.deselect();
    if (!view.readOnly) await view.expunge();
  },
});

const unselect = command({
  states: SELECTED,
  async handle(s) {
    s.deselect();
  },
});

function expungeCommand(uid: boolean) {
  return command({
    states: SELECTED,
    parse(r) {
      if (!uid) return null;
      r.sp();
      return readSequenceSet(r);
    },
    async handle(s, set: SequenceSet | null): Promise<Completion | void> {
      if (s.view.readOnly) return no(Code.READ_ONLY, 'Mailbox is read-only');
      const uids = set ? s.resolve(set, true) : undefined;
      if (uids && uids.length === 0) return;
      const gone = await s.view.expunge(uids ? toRanges(uids) : undefined);
      await s.announceExpunged(gone);
    },
  });
}

// ---------------------------------------------------------------- SEARCH

/** Protocol search tree → store search tree, sequence numbers resolved to UIDs. */
export function toStoreKey(s: CommandSession, key: SearchKey): StoreSearchKey {
  switch (key.op) {
    case 'all':
      return { op: 'all' };
    case 'and':
      return { op: 'and', keys: key.keys.map((k) => toStoreKey(s, k)) };
    case 'or':
      return { op: 'or', keys: [toStoreKey(s, key.a), toStoreKey(s, key.b)] };
    case 'not':
      return { op: 'not', key: toStoreKey(s, key.key) };
    case 'seq':
      // A number past the end matches nothing (SEARCH 9 in a mailbox of 3 is an empty OK).
      return { op: 'uid', ranges: toRanges(s.resolve(key.set, false, true)) };
    case 'uid':
      if (key.set.saved) return { op: 'uid', ranges: toRanges(s.resolve(key.set, true)) };
      return { op: 'uid', ranges: resolveStar(key.set, s.highestUid).map((r) => [r.start, r.end] as [number, number]) };
    case 'flag':
      return { op: 'flag', flag: canonicalFlag(key.flag), present: key.set };
    case 'new':
      refuseRecentInRev2(s);
      return { op: 'and', keys: [{ op: 'recent' }, { op: 'flag', flag: '\\Seen', present: false }] };
    case 'old':
      refuseRecentInRev2(s);
      return { op: 'not', key: { op: 'recent' } };
    case 'recent':
      refuseRecentInRev2(s);
      return key.set ? { op: 'recent' } : { op: 'not', key: { op: 'recent' } };
    case 'header':
      return { op: 'header', field: key.field, value: key.value };
    case 'address':
      return { op: 'address', field: key.field, value: key.value };
    case 'body':
      return { op: 'body', value: key.value };
    case 'text':
      return { op: 'text', value: key.value };
    case 'date':
      return { op: 'date', field: key.field, cmp: key.cmp, day: key.day };
    case 'size':
      return { op: 'size', cmp: key.cmp, bytes: key.n };
    case 'modseq':
      return { op: 'modseq', min: key.n };
  }
}

function highestOf(found: { modseq: number }[]): number | null {
  return found.length ? found.reduce((n, m) => Math.max(n, m.modseq), 0) : null;
}

/**
 * The messages whose modseq an ESEARCH MODSEQ reports (RFC 4731 3.2, RFC 7162 3.1.5): with ALL
 * or COUNT every match; with only MIN and/or MAX those messages alone.
 */
function reported<T>(found: T[], returns: SearchReturn[]): T[] {
  if (returns.includes('ALL') || returns.includes('COUNT') || !found.length) return found;
  const out: T[] = [];
  if (returns.includes('MIN')) out.push(found[0]);
  if (returns.includes('MAX')) out.push(found[found.length - 1]);
  return out;
}

/** RFC 9051 (Appendix E) has no \Recent: RECENT, NEW and OLD are not search keys there. */
function refuseRecentInRev2(s: CommandSession): void {
  if (s.imap4rev2) throw new ParseError('RECENT, NEW and OLD are not IMAP4rev2 search keys');
}

function searchCommand(uid: boolean) {
  return command({
    states: SELECTED,
    noExpunge: true,
    parse(r): SearchCommand & { returns?: ReturnOptions } {
      r.sp();
      // RFC 4731 ESEARCH and RFC 5267 CONTEXT=SEARCH: SEARCH RETURN (...) criteria
      const returns = readReturnOptions(r);
      return { ...readSearch(r), returns };
    },
    async handle(s, { key, returns }: SearchCommand & { returns?: ReturnOptions }, ctx): Promise<Completion | void> {
      if (returns?.update) {
        const refused = tagInUse(s, ctx.tag);
        if (refused) return refused;
      }
      const modseq = usesModseq(key);
      if (modseq) s.useCondstore();
      let storeKey: StoreSearchKey;
      try {
        // "$" in the criteria is the result saved before this SEARCH.
        storeKey = toStoreKey(s, key);
      } finally {
        // RFC 5182 2.1: a SEARCH with SAVE that fails leaves "$" empty.
        if (returns?.save) s.saveSearch([]);
      }
      const res = await s.view.search(storeKey);
      const found = res.uids.map((u, i) => ({ uid: u, modseq: res.modseqs?.[i] ?? 0 })).filter((m) => s.knows(m.uid)).sort((a, b) => a.uid - b.uid);
      const numbers = found.map((m) => (uid ? m.uid : s.seqOf(m.uid)));
      if (returns?.save) {
        // With MIN and/or MAX alone, those messages are saved; else every match (RFC 5182 2.1).
        const minMax = returns.results.length > 0 && returns.results.every((o) => o === 'MIN' || o === 'MAX');
        s.saveSearch((minMax ? reported(found, returns.results) : found).map((m) => m.uid));
        // SAVE alone asks for no ESEARCH response.
        if (!returns.results.length && !returns.partial && !returns.update) return;
      }
      if (!returns && !s.imap4rev2) await s.send(searchResponse(numbers, modseq ? highestOf(found) : null));
      else {
        // RFC 9051 6.4.4: an IMAP4rev2 SEARCH without RETURN is RETURN (ALL), answered by ESEARCH.
        const wanted = returns?.results ?? ['ALL'];
        await s.send(esearchResponse({ tag: ctx.tag, uid, numbers, returns: wanted, partial: returns?.partial, modseq: modseq ? highestOf(reported(found, wanted)) : null }));
      }
      if (returns?.update) return startUpdate(s, { tag: ctx.tag, uid, criteria: null, key: storeKey, uids: found.map((m) => m.uid) });
    },
  });
}

// ---------------------------------------------------------------- FETCH

interface FetchArgs {
  set: SequenceSet;
  items: FetchItem[];
  changedSince?: number;
  /** QRESYNC UID FETCH ... (CHANGEDSINCE n VANISHED). */
  vanished?: boolean;
}

function readFetchArgs(r: Reader): FetchArgs {
  r.sp();
  const set = readSequenceSet(r);
  r.sp();
  const items = readFetchSpec(r);
  const args: FetchArgs = { set, items };
  if (r.maybeSp()) {
    r.list(() => {
      const mod = r.atom().toUpperCase();
      if (mod === 'CHANGEDSINCE') {
        r.sp();
        args.changedSince = Number(r.number64());
      } else if (mod === 'VANISHED') args.vanished = true;
      else throw new ParseError('Unknown FETCH modifier');
      return mod;
    }, false);
  }
  return args;
}

/** Each requested body section and how its response is labelled. */
function sectionsFor(items: FetchItem[], readOnly: boolean): { spec: SectionSpec; label: string }[] {
  const out: { spec: SectionSpec; label: string }[] = [];
  for (const item of items) {
    if (item.kind === 'BODY[]') {
      const spec: SectionSpec = { part: item.section.part, peek: item.peek || readOnly };
      if (item.section.text) spec.specifier = item.section.text;
      if (item.section.fields) spec.fields = item.section.fields;
      if (item.partial) spec.partial = { offset: item.partial.start, length: item.partial.length };
      out.push({ spec, label: sectionLabel(item.section, item.partial?.start) });
    } else if (item.kind === 'BINARY[]') {
      const spec: SectionSpec = { part: item.part, peek: item.peek || readOnly, decode: true };
      if (item.partial) spec.partial = { offset: item.partial.start, length: item.partial.length };
      out.push({ spec, label: binaryLabel('BINARY', item.part, item.partial?.start) });
    } else if (item.kind === 'BINARY.SIZE') out.push({ spec: { part: item.part, peek: true, decode: true }, label: binaryLabel('BINARY.SIZE', item.part) });
    else if (item.kind === 'RFC822') out.push({ spec: { part: [], peek: readOnly }, label: 'RFC822' });
    else if (item.kind === 'RFC822.HEADER') out.push({ spec: { part: [], specifier: 'HEADER', peek: true }, label: 'RFC822.HEADER' });
    else if (item.kind === 'RFC822.TEXT') out.push({ spec: { part: [], specifier: 'TEXT', peek: readOnly }, label: 'RFC822.TEXT' });
  }
  return out;
}

/** Chunks below this size are joined before they are written; larger ones (literals) go as they are, never copied. */
const JOIN_BELOW = 16 * 1024;

/** A batch of response chunks as few buffers: one socket write per run of small ones instead of one each. */
function joinSmall(chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  const end = () => {
    if (run.length) out.push(run.length === 1 ? run[0] : Buffer.concat(run));
    run = [];
  };
  for (const c of chunks) {
    if (c.length < JOIN_BELOW) run.push(c);
    else {
      end();
      out.push(c);
    }
  }
  end();
  return out;
}

function fetchCommand(uid: boolean) {
  return command({
    states: SELECTED,
    noExpunge: true,
    parse: readFetchArgs,
    async handle(s, args: FetchArgs): Promise<Completion | void> {
      const view = s.view;
      if (args.vanished) {
        if (!uid || !s.qresync || args.changedSince === undefined) return bad('VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE', Code.CLIENTBUG);
        const changes = await view.changes({ modseq: args.changedSince, uidNext: Number.MAX_SAFE_INTEGER });
        const ranges = resolveStar(args.set, s.highestUid);
        const gone = changes.expunged.filter((u) => ranges.some((r) => u >= r.start && u <= r.end));
        if (gone.length) await s.untagged(atom('VANISHED'), atom('(EARLIER)'), atom(formatSet(gone)));
      }
      const uids = s.resolve(args.set, uid);
      if (uids.length === 0) return;
      const kinds = new Set(args.items.map((i) => i.kind));
      if (kinds.has('MODSEQ') || args.changedSince !== undefined) s.useCondstore();
      const sections = sectionsFor(args.items, view.readOnly);
      const items: FetchItems = {
        flags: kinds.has('FLAGS'),
        internalDate: kinds.has('INTERNALDATE'),
        size: kinds.has('RFC822.SIZE'),
        envelope: kinds.has('ENVELOPE'),
        bodyStructure: kinds.has('BODY') || kinds.has('BODYSTRUCTURE'),
        modseq: s.condstore,
        sections: sections.map((x) => x.spec),
      };
      const request = { items: args.items, sectionLabels: sections.map((x) => x.label), uid: uid || s.qresync || kinds.has('UID'), condstore: s.condstore };
      const iter = view.fetch(toRanges(uids) as UidRanges, items, args.changedSince !== undefined ? { changedSince: args.changedSince } : undefined);
      // Responses leave in batches of about 64 KiB: fewer TLS records and syscalls.
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (!batch.length) return;
        const out = joinSmall(batch);
        batch = [];
        batchBytes = 0;
        await s.send(out);
      };
      let unknownEncoding = false;
      for await (const msg of iter) {
        const seq = s.seqOf(msg.uid);
        if (seq <= 0) continue;
        // RFC 3516 4.2: a part whose encoding cannot be undone fails the command, NO [UNKNOWN-CTE].
        if (msg.sections?.some((x) => x.unknownEncoding)) {
          unknownEncoding = true;
          continue;
        }
        // A keyword this FETCH shows first goes out in FLAGS just before it (RFC 3501 7.2.6).
        const announcement = msg.flags ? s.keywordAnnouncement(msg.flags) : [];
        for (const chunk of [...announcement, ...fetchResponse(seq, msg, request, s.isRecent(msg.uid))]) {
          batch.push(chunk);
          batchBytes += chunk.length;
        }
        if (batchBytes >= 64 * 1024) await flush();
        if (msg.flags && msg.modseq !== undefined) {
          // Flags sent unasked mean this FETCH set \Seen: our own write.
          if (!items.flags) s.ownWrite([{ uid: msg.uid, flags: msg.flags, modseq: msg.modseq }]);
          else s.flagsSent(msg.uid, msg.modseq);
        }
      }
      await flush();
      if (unknownEncoding) return no(Code.UNKNOWN_CTE, 'Cannot decode the content-transfer-encoding of a part');
    },
  });
}

// ---------------------------------------------------------------- STORE

interface StoreArgs {
  set: SequenceSet;
  unchangedSince?: number;
  op: 'add' | 'remove' | 'set';
  silent: boolean;
  flags: string[];
}

function readStoreArgs(r: Reader): StoreArgs {
  r.sp();
  const set = readSequenceSet(r);
  r.sp();
  let unchangedSince: number | undefined;
  if (r.peek() === '(') {
    r.list(() => {
      const mod = r.atom().toUpperCase();
      if (mod !== 'UNCHANGEDSINCE') throw new ParseError('Unknown STORE modifier');
      r.sp();
      unchangedSince = Number(r.number64());
      return mod;
    }, false);
    r.sp();
  }
  const what = r.atom().toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(what);
  if (!m) throw new ParseError('Expected FLAGS, +FLAGS or -FLAGS');
  r.sp();
  const flags = r.peek() === '(' ? r.list(() => r.flag()) : (() => {
    const list = [r.flag()];
    while (r.maybeSp()) list.push(r.flag());
    return list;
  })();
  return { set, unchangedSince, op: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set', silent: !!m[2], flags };
}

function storeCommand(uid: boolean) {
  return command({
    states: SELECTED,
    noExpunge: true,
    parse: readStoreArgs,
    async handle(s, args: StoreArgs): Promise<Completion | void> {
      if (s.view.readOnly) return no(Code.READ_ONLY, 'Mailbox is read-only');
      const flags = args.flags.filter((f) => f.toLowerCase() !== '\\recent').map(canonicalFlag);
      if (flags.some((f) => f === '\\*' || (f.startsWith('\\') && !SYSTEM_FLAGS.includes(f)))) return bad('Invalid flag');
      if (args.unchangedSince !== undefined) s.useCondstore();
      const uids = s.resolve(args.set, uid);
      if (uids.length === 0) return;
      const res = await s.view.storeFlags(toRanges(uids), { op: args.op, flags, unchangedSince: args.unchangedSince });
      s.ownWrite(res.updated);
      // New keywords are announced even for .SILENT: the folder has them now (RFC 3501 7.2.6).
      const announcement = s.keywordAnnouncement(res.updated.flatMap((m) => m.flags));
      if (announcement.length) await s.send(announcement);
      if (!args.silent || (s.condstore && args.unchangedSince !== undefined)) {
        const options = { uid: uid || s.qresync, flags: !args.silent, modseq: s.condstore };
        for (const m of res.updated) {
          const seq = s.seqOf(m.uid);
          if (seq > 0) await s.send(flagsResponse(seq, m, { ...options, recent: s.isRecent(m.uid) }));
        }
      }
      if (res.modified.length) {
        const ids = uid ? res.modified : res.modified.map((u) => s.seqOf(u)).filter((n) => n > 0);
        return ok('Conditional STORE failed for some messages', `${Code.MODIFIED} ${formatSet(ids)}`);
      }
    },
  });
}

// ---------------------------------------------------------------- COPY / MOVE

function copyCommand(uid: boolean, move: boolean) {
  return command({
    states: SELECTED,
    parse(r) {
      r.sp();
      const set = readSequenceSet(r);
      r.sp();
      return { set, dest: readMailbox(r) };
    },
    async handle(s, { set, dest }: { set: SequenceSet; dest: string }): Promise<Completion | void> {
      const view = s.view;
      if (move && view.readOnly) return no(Code.READ_ONLY, 'Mailbox is read-only');
      const uids = s.resolve(set, uid);
      if (uids.length === 0) return ok(`${move ? 'MOVE' : 'COPY'} completed, nothing to do`);
      try {
        if (!move) {
          const res = await view.copy(toRanges(uids), dest);
          if (dest === view.folder.name) s.noteChange();
          if (!res.mapping.length) return;
          return ok('COPY completed', `${Code.COPYUID} ${res.uidValidity} ${formatPairs(res.mapping)}`);
        }
        const res = await view.move(toRanges(uids), dest);
        if (res.mapping.length) await s.untaggedStatus('OK', `${Code.COPYUID} ${res.uidValidity} ${formatPairs(res.mapping)}`, 'Moved');
        await s.announceExpunged(res.expunged);
        if (dest === view.folder.name) s.noteChange();
      } catch (err) {
        return tryCreateOrThrow(err);
      }
    },
  });
}

/** UIDPLUS keeps both sets in the same order: "1:3 10:12" style when sequential, else lists. */
function formatPairs(mapping: [number, number][]): string {
  const join = (list: number[]) => {
    const out: string[] = [];
    for (let i = 0; i < list.length; ) {
      let j = i;
      while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
      out.push(i === j ? String(list[i]) : `${list[i]}:${list[j]}`);
      i = j + 1;
    }
    return out.join(',');
  };
  return `${join(mapping.map((m) => m[0]))} ${join(mapping.map((m) => m[1]))}`;
}

export const selectedCommands = {
  CHECK: check,
  CLOSE: close,
  UNSELECT: unselect,
  EXPUNGE: expungeCommand(false),
  SEARCH: searchCommand(false),
  FETCH: fetchCommand(false),
  STORE: storeCommand(false),
  COPY: copyCommand(false, false),
  MOVE: copyCommand(false, true),
  'UID EXPUNGE': expungeCommand(true),
  'UID SEARCH': searchCommand(true),
  'UID FETCH': fetchCommand(true),
  'UID STORE': storeCommand(true),
  'UID COPY': copyCommand(true, false),
  'UID MOVE': copyCommand(true, true),
};
