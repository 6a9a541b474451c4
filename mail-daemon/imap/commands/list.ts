// Authenticated-state commands that report on folders: LIST (with LIST-EXTENDED
// selection/return options and LIST-STATUS), LSUB and STATUS.
import { HIERARCHY_DELIMITER, type FolderInfo, type FolderStatus } from '../backend';
import { atom, type WireValue } from '../protocol/encode';
import { ParseError, type Reader } from '../protocol/reader';
import { decodeName, readMailbox, wireName } from './mailbox-name';
import { AUTHENTICATED, command, type CommandSession } from './types';

const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED'] as const;
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
  };
  return items.flatMap((i) => [atom(i), map[i]]);
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
  reference: string;
  patterns: string[];
  selectSubscribed: boolean;
  selectSpecialUse: boolean;
  returnSubscribed: boolean;
  returnStatus: StatusItem[] | null;
  extended: boolean;
}

function readListArgs(r: Reader): ListArgs {
  const args: ListArgs = { reference: '', patterns: [], selectSubscribed: false, selectSpecialUse: false, returnSubscribed: false, returnStatus: null, extended: false };
  r.sp();
  if (r.peek() === '(') {
    args.extended = true;
    for (const opt of r.list(() => r.atom().toUpperCase())) {
      if (opt === 'SUBSCRIBED') args.selectSubscribed = args.returnSubscribed = true;
      else if (opt === 'SPECIAL-USE') args.selectSpecialUse = true;
      else if (opt === 'RECURSIVEMATCH' || opt === 'REMOTE') continue;
      else throw new ParseError('Unknown LIST selection option');
    }
    r.sp();
  }
  args.reference = decodeName(r.astring());
  r.sp();
  if (r.peek() === '(') {
    args.extended = true;
    args.patterns = r.list(() => r.listMailbox(), false);
  } else args.patterns = [r.listMailbox()];
  args.patterns = args.patterns.map((p) => decodeName(p));
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

async function list(s: CommandSession, args: ListArgs, lsub: boolean): Promise<void> {
  const name = lsub ? 'LSUB' : 'LIST';
  if (args.patterns.length === 1 && args.patterns[0] === '') {
    // The hierarchy delimiter and root of the reference.
    await s.untagged(atom(name), [atom('\\Noselect')], HIERARCHY_DELIMITER, '');
    return;
  }
  const folders = await s.mail.listFolders();
  const byName = new Map<string, FolderInfo>(folders.map((f) => [f.name, f]));
  // Parents that only exist as a path prefix.
  const allNames = new Set(byName.keys());
  for (const f of folders) {
    const parts = f.name.split(HIERARCHY_DELIMITER);
    for (let i = 1; i < parts.length; i++) allNames.add(parts.slice(0, i).join(HIERARCHY_DELIMITER));
  }
  const hasChildren = (n: string) => [...allNames].some((o) => o.startsWith(n + HIERARCHY_DELIMITER));
  const regexps = args.patterns.map((p) => patternToRegExp(args.reference, p));
  const sorted = [...allNames].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const n of sorted) {
    if (!regexps.some((re) => re.test(n))) continue;
    const f = byName.get(n);
    if ((lsub || args.selectSubscribed) && !f?.subscribed) {
      // RFC 3501 6.3.9: an unsubscribed level above subscribed ones shows as \Noselect in LSUB.
      if (lsub && folders.some((o) => o.subscribed && o.name.startsWith(n + HIERARCHY_DELIMITER))) {
        await s.untagged(atom(name), [atom('\\Noselect')], HIERARCHY_DELIMITER, wireName(n));
      }
      continue;
    }
    if (args.selectSpecialUse && !f?.specialUse) continue;
    const attrs: string[] = [];
    if (!f) attrs.push(args.extended ? '\\NonExistent' : '\\Noselect');
    if (!lsub) attrs.push(hasChildren(n) ? '\\HasChildren' : '\\HasNoChildren');
    if (f?.specialUse && !lsub) attrs.push(f.specialUse);
    if (f?.subscribed && args.returnSubscribed) attrs.push('\\Subscribed');
    await s.untagged(atom(name), attrs.map(atom), HIERARCHY_DELIMITER, wireName(n));
    if (args.returnStatus && f) {
      try {
        const st = await s.mail.status(n);
        await s.untagged(atom('STATUS'), wireName(n), statusValues(st, args.returnStatus));
      } catch {
        // A folder gone between LIST and STATUS is simply not reported.
      }
    }
  }
}

const listCommand = command({
  states: AUTHENTICATED,
  parse: readListArgs,
  async handle(s, args: ListArgs) {
    await list(s, args, false);
  },
});

const lsub = command({
  states: AUTHENTICATED,
  parse(r) {
    r.sp();
    const reference = decodeName(r.astring());
    r.sp();
    const pattern = decodeName(r.listMailbox());
    return { reference, patterns: [pattern], selectSubscribed: true, selectSpecialUse: false, returnSubscribed: false, returnStatus: null, extended: false };
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
    const st = await s.mail.status(name);
    await s.untagged(atom('STATUS'), wireName(st.name === 'INBOX' ? 'INBOX' : name), statusValues(st, items));
  },
});

export const listCommands = {
  LIST: listCommand,
  LSUB: lsub,
  STATUS: status,
};
