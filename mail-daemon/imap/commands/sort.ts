// SORT and UID SORT (RFC 5256, keys of RFC 5957, RETURN of RFC 5267 ESORT and CONTEXT=SORT), THREAD and
// UID THREAD (RFC 5256). The search part is SEARCH's; the store orders and threads.
import { usesModseq } from '../protocol/search';
import { readSort, readThread, type SortCommand, type ThreadCommand } from '../protocol/sort-criteria';
import { esortResponse, sortResponse, threadResponse } from '../protocol/sort-response';
import { startUpdate, tagInUse } from './context';
import { toStoreKey } from './selected';
import type { SearchKey as StoreSearchKey } from '../backend';
import { command, SELECTED, type CommandSession, type Completion } from './types';

/** RFC 7162 3.1.5: with MODSEQ in the criteria, SORT reports the highest modseq of the messages it answers. */
async function highestModseq(s: CommandSession, key: StoreSearchKey, uids: readonly number[]): Promise<number | null> {
  const res = await s.view.search(key);
  if (!res.modseqs) return res.highestModseq;
  const answered = new Set(uids);
  let high: number | null = null;
  res.uids.forEach((u, i) => {
    if (answered.has(u)) high = Math.max(high ?? 0, res.modseqs![i]);
  });
  return high;
}

function sortCommand(uid: boolean) {
  return command({
    states: SELECTED,
    // Sequence numbers in the answer: no EXPUNGE may shift them (as for SEARCH, RFC 3501 7.4.1).
    noExpunge: true,
    parse(r): SortCommand {
      r.sp();
      return readSort(r);
    },
    async handle(s, { returns, criteria, key }: SortCommand, ctx): Promise<Completion | void> {
      if (returns?.update) {
        const refused = tagInUse(s, ctx.tag);
        if (refused) return refused;
      }
      const modseqAsked = usesModseq(key);
      if (modseqAsked) s.useCondstore();
      const storeKey = toStoreKey(s, key);
      const uids = (await s.view.sort(criteria, storeKey)).filter((u) => s.knows(u));
      const numbers = uid ? uids : uids.map((u) => s.seqOf(u));
      const modseq = modseqAsked ? await highestModseq(s, storeKey, uids) : null;
      if (returns?.save) {
        // SEARCHRES (RFC 5182) for SORT: the matches are what "$" names; SAVE alone asks for no ESORT.
        s.saveSearch(uids);
        if (!returns.results.length && !returns.partial && !returns.update) return;
      }
      await s.send(returns ? esortResponse(ctx.tag, uid, numbers, returns, modseq) : sortResponse(numbers, modseq));
      if (returns?.update) return startUpdate(s, { tag: ctx.tag, uid, criteria, key: storeKey, uids });
    },
  });
}

function threadCommand(uid: boolean) {
  return command({
    states: SELECTED,
    noExpunge: true,
    parse(r): ThreadCommand {
      r.sp();
      return readThread(r);
    },
    async handle(s, { algorithm, key }: ThreadCommand) {
      if (usesModseq(key)) s.useCondstore();
      // Only messages the client knows: a thread cannot lose a member afterwards the way a SORT list can.
      const known = { op: 'and' as const, keys: [toStoreKey(s, key), { op: 'uid' as const, ranges: [[1, s.highestUid]] as [number, number][] }] };
      const threads = s.highestUid ? await s.view.thread(algorithm, known) : [];
      await s.send(threadResponse(threads, uid ? (u) => u : (u) => s.seqOf(u)));
    },
  });
}

export const sortCommands = {
  SORT: sortCommand(false),
  'UID SORT': sortCommand(true),
  THREAD: threadCommand(false),
  'UID THREAD': threadCommand(true),
};
