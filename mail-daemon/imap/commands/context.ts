// RFC 5267 4.3: starting an UPDATE context for SEARCH or SORT, and CANCELUPDATE.
import type { SearchKey, SortCriterion } from '../backend';
import { Code } from '../codes';
import { ParseError } from '../protocol/reader';
import { bad, command, SELECTED, type CommandSession, type Completion } from './types';

/** RETURN (UPDATE) with a tag that already names a context: BAD, before anything is sent (4.3). */
export function tagInUse(s: CommandSession, tag: string): Completion | undefined {
  return s.contexts.has(tag) ? bad('Tag reuse: this tag names an update context', Code.CLIENTBUG) : undefined;
}

/**
 * After a searching command with RETURN (UPDATE) answered: the context that keeps the client's
 * copy of `uids` (the result, in the requested order) current; past the limit, NO [NOUPDATE] (4.3.1).
 */
export async function startUpdate(
  s: CommandSession,
  context: { tag: string; uid: boolean; criteria: readonly SortCriterion[] | null; key: SearchKey; uids: number[] },
): Promise<Completion | undefined> {
  if (s.contexts.full) {
    await s.untaggedStatus('NO', `${Code.NOUPDATE} "${context.tag}"`, 'Too many contexts');
    return { status: 'OK', text: 'Completed, will not notify' };
  }
  s.contexts.add(context);
  return { status: 'OK', text: 'Completed, will notify' };
}

const cancelUpdate = command({
  states: SELECTED,
  parse(r): string[] {
    const tags: string[] = [];
    do {
      r.sp();
      tags.push(r.quoted());
    } while (!r.atEnd());
    return tags;
  },
  async handle(s, tags: string[]): Promise<Completion | void> {
    const unknown = tags.filter((t) => !s.contexts.has(t));
    if (unknown.length) throw new ParseError('No update context has that tag');
    for (const t of tags) s.contexts.cancel(t);
    return { status: 'OK', text: 'No further updates' };
  },
});

export const contextCommands = { CANCELUPDATE: cancelUpdate };
