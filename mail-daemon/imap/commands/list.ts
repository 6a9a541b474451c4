// Authenticated-state commands that report on folders: LIST (with LIST-EXTENDED
// selection/return options and LIST-STATUS), LSUB and STATUS. Subscriptions are names of
// their own (MailSession.listSubscriptions), so a subscribed name may not exist.
import { HIERARCHY_DELIMITER, type FolderInfo, type FolderStatus } from '../backend';
import { atom, type WireValue } from '../protocol/encode';
import { ParseError, type Reader } from '../protocol/reader';
import { decodeName, readMailbox, wireName } from './mailbox-name';
import { AUTHENTICATED, command, type CommandSession } from './types';

const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED', 'DELETED-STORAGE'] as const;
type StatusItem = (typeof STATUS_ITEMS)[number];

function readStatusItems(r: Reader): StatusItem[] {
  return r.list(() => {
    const item = r.atom().toUpperCase();
    if (!(STATUS_ITEMS as readonly string[]).includes(item)) throw new ParseError('Unknown status item');
    return item as StatusItem;
  }, false);
}

function statusValues(st: FolderStatus, items: StatusItem[]): WireValue[] {
  const map: Record<StatusItem, number> = {
    MESSAGES: st.messages,
    RECENT: st.recent,
    UIDNEXT: st.uidNext,
    UIDVALIDITY: st.uidValidity,
    UNSEEN: st.unseen,
    HIGHESTMODSEQ: st.highestModseq,
    SIZE: st.size,
    DELETED: st.deleted,
    // RFC 9208 4.2: in units of 1024 octets, as the STORAGE resource.
    'DELETED-STORAGE': Math.ceil(st.deletedSize / 1024),
  };
  return items.flatMap((i) => [atom(i), map[i]]);
}

/** RFC 9051 (Appendix E) has no \Recent: RECENT is not a status item there. */
function refuseRecentInRev2(s: CommandSession, items: StatusItem[]): void {
  if (s.imap4rev2 && items.includes('RECENT')) throw new ParseError('RECENT is not an IMAP4rev2 status item');
}

/** Pattern (with reference prepended) → RegExp; '*' crosses levels, '%' does not. */
export function patternToRegExp(reference: string, pattern: string): RegExp {
  let full = reference + pattern;
  if (/^inbox(?=$|\/)/i.test(full)) full = 'INBOX' + full.slice(5);
  let src = '';
  for (const c of full) {
    if (c === '*') src += '.*';
    else if (c === '%') src += '[^/]*';
    else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

interface ListArgs {
  /** null: the reference is not valid modified UTF-7, so nothing can match. */
  reference: string | null;
  /** Decodable patterns only (an undecodable one matches no name, RFC 3501 5.1.3). */
  patterns: string[];
  selectSubscribed: boolean;
  selectSpecialUse: boolean;
  /** RFC 5258 3.1: also names that fail the selection but have descendants that pass it and match no pattern. */
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  returnStatus: StatusItem[] | null;
  /** LIST-EXTENDED syntax was used: a name that does not exist is \NonExistent, not \Noselect. */
  extended: boolean;
}

function readSelectionOptions(r: Reader, args: ListArgs): void {
  let base = false;
  for (const opt of r.list(() => r.atom().toUpperCase())) {
    if (opt === 'SUBSCRIBED') args.selectSubscribed = args.returnSubscribed = base = true;
    else if (opt === 'SPECIAL-USE') args.selectSpecialUse = base = true;
    else if (opt === 'RECURSIVEMATCH') args.recursiveMatch = true;
    // RFC 5258 3.1: mailboxes on other servers; this server has none to add.
    else if (opt !== 'REMOTE') throw new ParseError('Unknown LIST selection option');
  }
  // RFC 5258 3.1: RECURSIVEMATCH modifies a base option; alone (or with REMOTE only) it is BAD.
  if (args.recursiveMatch && !base) throw new ParseError('RECURSIVEMATCH needs another selection option');
}

function readListArgs(r: Reader): ListArgs {
  const args: ListArgs = {
    reference: '', patterns: [], selectSubscribed: false, selectSpecialUse: false, recursiveMatch: false,
    returnSubscribed: false, returnStatus: null, extended: false,
  };
  r.sp();
  if (r.peek() === '(') {
    args.extended = true;
    readSelectionOptions(r, args);
    r.sp();
  }
  args.reference = decodeName(r.astring(), r.utf8);
  r.sp();
  let patterns: string[];
  if (r.peek() === '(') {
    args.extended = true;
    patterns = r.list(() => r.listMailbox(), false);
  } else patterns = [r.listMailbox()];
  args.patterns = decodedPatterns(patterns, r.utf8);
  if (r.maybeSp()) {
    r.expect('RETURN');
    r.sp();
    args.extended = true;
    r.list(() => {
      const opt = r.atom().toUpperCase();
      if (opt === 'SUBSCRIBED') args.returnSubscribed = true;
      else if (opt === 'CHILDREN' || opt === 'SPECIAL-USE') {
        // always returned
      } else if (opt === 'STATUS') {
        r.sp();
        args.returnStatus = readStatusItems(r);
      } else throw new ParseError('Unknown LIST return option');
      return opt;
    });
  }
  return args;
}

function decodedPatterns(wire: string[], utf8: boolean): string[] {
  return wire.map((w) => decodeName(w, utf8)).filter((p): p is string => p !== null);
}

/** The names and every superior level of them ("a/b/c" → "a", "a/b", "a/b/c"). */
function withSuperiors(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const levels = n.split(HIERARCHY_DELIMITER);
    for (let i = 1; i <= levels.length; i++) out.add(levels.slice(0, i).join(HIERARCHY_DELIMITER));
  }
  return out;
}

const inferiorOf = (name: string, parent: string) => name.startsWith(parent + HIERARCHY_DELIMITER);

function byListOrder(a: string, b: string): number {
  return a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

async function list(s: CommandSession, args: ListArgs, lsub: boolean): Promise<void> {
  const name = lsub ? 'LSUB' : 'LIST';
  if (args.reference !== null && args.patterns.length === 1 && args.patterns[0] === '') {
    // The hierarchy delimiter and root of the reference.
    await s.untagged(atom(name), [atom('\\Noselect')], HIERARCHY_DELIMITER, '');
    return;
  }
  if (args.reference === null || !args.patterns.length) return;
  const regexps = args.patterns.map((p) => patternToRegExp(args.reference!, p));
  const matches = (n: string) => regexps.some((re) => re.test(n));
  const folders = await s.mail.listFolders();
  const statuses = args.returnStatus ? await s.mail.statusAll() : null;
  const byName = new Map<string, FolderInfo>(folders.map((f) => [f.name, f]));
  const bySubscription = lsub || args.selectSubscribed;
  const subscribed = new Set(bySubscription || args.returnSubscribed ? await s.mail.listSubscriptions() : []);
  // Levels that exist only as a path prefix of a folder are listed too (\Noselect / \NonExistent).
  const tree = withSuperiors(byName.keys());
  const hasChildren = (n: string) => [...tree].some((o) => inferiorOf(o, n));
  // A subscribed descendant the patterns do not reach (RFC 5258 CHILDINFO, RFC 3501 6.3.9 LSUB "%").
  const subscribedBeyond = (n: string) => [...subscribed].some((o) => inferiorOf(o, n) && !matches(o));
  const candidates = bySubscription ? withSuperiors(subscribed) : tree;
  for (const n of [...candidates].sort(byListOrder)) {
    if (!matches(n)) continue;
    const f = byName.get(n);
    const isSubscribed = subscribed.has(n);
    if (lsub) {
      if (isSubscribed) await s.untagged(atom(name), [], HIERARCHY_DELIMITER, wireName(n));
      else if (subscribedBeyond(n)) await s.untagged(atom(name), [atom('\\Noselect')], HIERARCHY_DELIMITER, wireName(n));
      continue;
    }
    const childInfo = args.recursiveMatch && args.selectSubscribed && subscribedBeyond(n);
    if (args.selectSubscribed && !isSubscribed && !childInfo) continue;
    if (args.selectSpecialUse && !f?.specialUse) continue;
    const attrs: string[] = [];
    // RFC 9051 has LIST-EXTENDED's \NonExistent in its base LIST.
    if (!f) attrs.push(args.extended || s.imap4rev2 ? '\\NonExistent' : '\\Noselect');
    if (hasChildren(n)) attrs.push('\\HasChildren');
    else if (f) attrs.push('\\HasNoChildren');
    if (f?.specialUse) attrs.push(f.specialUse);
    if (isSubscribed && args.returnSubscribed) attrs.push('\\Subscribed');
    const extended: WireValue[] = childInfo ? [[atom('CHILDINFO'), ['SUBSCRIBED']]] : [];
    await s.untagged(atom(name), attrs.map(atom), HIERARCHY_DELIMITER, wireName(n), ...extended);
    // A folder gone between LIST and STATUS is simply not reported.
    const st = f && statuses?.get(n);
    if (args.returnStatus && st) await s.untagged(atom('STATUS'), wireName(n), statusValues(st, args.returnStatus));
  }
}

const listCommand = command({
  states: AUTHENTICATED,
  parse: readListArgs,
  async handle(s, args: ListArgs) {
    if (args.returnStatus) refuseRecentInRev2(s, args.returnStatus);
    await list(s, args, false);
  },
});

const lsub = command({
  states: AUTHENTICATED,
  parse(r) {
    r.sp();
    const reference = decodeName(r.astring(), r.utf8);
    r.sp();
    const patterns = decodedPatterns([r.listMailbox()], r.utf8);
    return { reference, patterns, selectSubscribed: true, selectSpecialUse: false, recursiveMatch: false, returnSubscribed: false, returnStatus: null, extended: false };
  },
  async handle(s, args: ListArgs) {
    await list(s, args, true);
  },
});

const status = command({
  states: AUTHENTICATED,
  parse(r) {
    r.sp();
    const name = readMailbox(r);
    r.sp();
    return { name, items: readStatusItems(r) };
  },
  async handle(s, { name, items }: { name: string; items: StatusItem[] }) {
    refuseRecentInRev2(s, items);
    const st = await s.mail.status(name);
    await s.untagged(atom('STATUS'), wireName(st.name === 'INBOX' ? 'INBOX' : name), statusValues(st, items));
  },
});

export const listCommands = {
  LIST: listCommand,
  LSUB: lsub,
  STATUS: status,
};
