// Authenticated-state commands: SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, LIST (with LIST-EXTENDED selection/return options and LIST-STATUS),
// LSUB, STATUS, APPEND, NAMESPACE and QUOTA (RFC 2087 subset).
import fs from 'node:fs';
import { HIERARCHY_DELIMITER, SYSTEM_FLAGS, type FolderInfo, type FolderStatus, type SpecialUse } from '../backend';
import { Code } from '../codes';
import { parseDateTime } from '../protocol/dates';
import type { Spool } from '../protocol/framer';
import { atom, type WireValue } from '../protocol/encode';
import { ParseError, type Reader } from '../protocol/reader';
import { formatSet, readSequenceSet, resolveStar, type SequenceSet } from '../protocol/sequence';
import type { ImapSession } from '../session';
import { normalizeName, readMailbox, wireName, decodeName } from './mailbox-name';
import { AUTHENTICATED, bad, command, no, ok, tryCreateOrThrow } from './types';

function mail(s: ImapSession) {
  return s.mail!;
}

// ---------------------------------------------------------------- SELECT / EXAMINE

function selectCommand(readOnly: boolean) {
  return command({
    states: AUTHENTICATED,
    parse(r): SelectArgs {
      r.sp();
      const name = readMailbox(r);
      const args: SelectArgs = { name, condstore: false };
      if (r.maybeSp()) {
        r.list(() => {
          const p = r.atom().toUpperCase();
          if (p === 'CONDSTORE') args.condstore = true;
          else if (p === 'QRESYNC') {
            r.sp();
            args.qresync = readQresyncParams(r);
          } else throw new ParseError('Unsupported SELECT parameter');
          return p;
        }, false);
      }
      return args;
    },
    async handle(s, { name, condstore, qresync }: SelectArgs) {
      if (qresync && !s.qresync) return bad('QRESYNC is not enabled', Code.CLIENTBUG);
      if (s.selected) await s.untaggedStatus('OK', Code.CLOSED, 'Previous mailbox closed');
      s.deselect();
      if (condstore) s.condstore = true;
      const res = await mail(s).select(name, { readOnly });
      const flags = [...new Set([...SYSTEM_FLAGS, ...res.flags])];
      await s.untagged(atom('FLAGS'), flags.map(atom));
      await s.untagged(res.uids.length, atom('EXISTS'));
      await s.untagged(res.view.recentUids().size, atom('RECENT'));
      if (res.firstUnseenUid !== null) {
        const seq = res.uids.indexOf(res.firstUnseenUid) + 1;
        if (seq > 0) await s.untaggedStatus('OK', `${Code.UNSEEN} ${seq}`, `Message ${seq} is first unseen`);
      }
      const perm = readOnly ? '()' : `(${[...SYSTEM_FLAGS, '\\*'].join(' ')})`;
      await s.untaggedStatus('OK', `${Code.PERMANENTFLAGS} ${perm}`, readOnly ? 'No permanent flags permitted' : 'Flags permitted');
      await s.untaggedStatus('OK', `${Code.UIDVALIDITY} ${res.status.uidValidity}`, 'UIDs valid');
      await s.untaggedStatus('OK', `${Code.UIDNEXT} ${res.status.uidNext}`, 'Predicted next UID');
      await s.untaggedStatus('OK', `${Code.HIGHESTMODSEQ} ${res.status.highestModseq}`, 'Highest');
      s.select({
        view: res.view,
        readOnly: res.view.readOnly,
        uids: [...res.uids],
        modseq: res.status.highestModseq,
        uidNext: res.status.uidNext,
        pendingExpunge: new Set(),
        ownUpdates: new Map(),
        dirty: false,
      });
      if (qresync && qresync.uidValidity === res.status.uidValidity) await resync(s, qresync);
      return ok(`${readOnly ? 'EXAMINE' : 'SELECT'} completed`, res.view.readOnly ? Code.READ_ONLY : Code.READ_WRITE);
    },
  });
}

interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids?: SequenceSet;
}

interface SelectArgs {
  name: string;
  condstore: boolean;
  qresync?: QresyncParams;
}

/** QRESYNC (uidvalidity mod-sequence-value [known-uids [seq-match-data]]) */
function readQresyncParams(r: Reader): QresyncParams {
  r.expect('(');
  const uidValidity = r.nzNumber();
  r.sp();
  const modseq = Number(r.number64());
  const out: QresyncParams = { uidValidity, modseq };
  if (r.maybeSp()) {
    if (r.peek() !== '(') {
      out.knownUids = readSequenceSet(r);
      r.maybeSp();
    }
    if (r.peek() === '(') {
      // seq-match-data: accepted, not needed (the store keeps every expunge).
      r.expect('(');
      readSequenceSet(r);
      r.sp();
      readSequenceSet(r);
      r.expect(')');
    }
  }
  r.expect(')');
  return out;
}

/** RFC 7162 3.2.5.1: what changed since the client's modseq, right after SELECT. */
async function resync(s: ImapSession, q: QresyncParams): Promise<void> {
  const sel = s.selected!;
  const changes = await sel.view.changes({ modseq: q.modseq, uidNext: Number.MAX_SAFE_INTEGER });
  let vanished = changes.expunged;
  if (q.knownUids) {
    const known = resolveStar(q.knownUids, Number.MAX_SAFE_INTEGER);
    vanished = vanished.filter((u) => known.some((k) => u >= k.start && u <= k.end));
  }
  if (vanished.length) await s.untagged(atom('VANISHED'), atom('(EARLIER)'), atom(formatSet(vanished)));
  for (const m of changes.updated) if (s.seqOf(m.uid) > 0) await s.sendFlags(m);
}

// ---------------------------------------------------------------- folder management

const oneMailbox = (r: Reader) => {
  r.sp();
  return readMailbox(r);
};

const SPECIAL_USES: readonly SpecialUse[] = ['\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged'];

const create = command({
  states: AUTHENTICATED,
  parse(r) {
    const name = oneMailbox(r);
    let specialUse: SpecialUse | undefined;
    // RFC 6154 CREATE-SPECIAL-USE: CREATE name (USE (\Drafts))
    if (r.maybeSp()) {
      r.list(() => {
        r.expect('USE');
        r.sp();
        const uses = r.list(() => r.flag(), false);
        if (uses.length !== 1) throw new ParseError('One special use per mailbox');
        specialUse = SPECIAL_USES.find((u) => u.toLowerCase() === uses[0].toLowerCase());
        if (!specialUse) throw new ParseError('Unknown special use');
        return uses[0];
      }, false);
    }
    return { name, specialUse };
  },
  async handle(s, { name, specialUse }: { name: string; specialUse?: SpecialUse }) {
    if (name === 'INBOX') return no(Code.ALREADYEXISTS, 'INBOX always exists');
    await mail(s).createFolder(name, specialUse ? { specialUse } : undefined);
  },
});

const del = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    if (name === 'INBOX') return no(Code.CANNOT, 'INBOX cannot be deleted');
    if (s.selected && s.selected.view.folder.name === name) s.deselect();
    await mail(s).deleteFolder(name);
  },
});

const rename = command({
  states: AUTHENTICATED,
  parse(r) {
    const from = oneMailbox(r);
    const to = oneMailbox(r);
    return { from, to };
  },
  async handle(s, { from, to }: { from: string; to: string }) {
    if (to === 'INBOX') return no(Code.CANNOT, 'Cannot rename to INBOX');
    await mail(s).renameFolder(from, to);
  },
});

const subscribe = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    await mail(s).subscribe(name);
  },
});

const unsubscribe = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    await mail(s).unsubscribe(name);
  },
});

// ---------------------------------------------------------------- LIST / LSUB

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

async function list(s: ImapSession, args: ListArgs, lsub: boolean): Promise<void> {
  const name = lsub ? 'LSUB' : 'LIST';
  if (args.patterns.length === 1 && args.patterns[0] === '') {
    // The hierarchy delimiter and root of the reference.
    await s.untagged(atom(name), [atom('\\Noselect')], HIERARCHY_DELIMITER, '');
    return;
  }
  const folders = await mail(s).listFolders();
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
        const st = await mail(s).status(n);
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
    const name = oneMailbox(r);
    r.sp();
    return { name, items: readStatusItems(r) };
  },
  async handle(s, { name, items }: { name: string; items: StatusItem[] }) {
    const st = await mail(s).status(name);
    await s.untagged(atom('STATUS'), wireName(st.name === 'INBOX' ? 'INBOX' : name), statusValues(st, items));
  },
});

// ---------------------------------------------------------------- APPEND

interface AppendArgs {
  name: string;
  flags: string[];
  date?: Date;
  /** In memory, or spooled to a temporary file past the framer's threshold. */
  data: Buffer | Spool;
}

const append = command({
  states: AUTHENTICATED,
  parse(r): AppendArgs {
    const name = oneMailbox(r);
    r.sp();
    let flags: string[] = [];
    if (r.peek() === '(') {
      flags = r.list(() => r.flag());
      r.sp();
    }
    let date: Date | undefined;
    if (r.peek() === '"') {
      date = parseDateTime(r.quoted());
      r.sp();
    }
    const data = r.peek() === '"' ? r.stringBytes() : r.literalOrSpool();
    return { name, flags, date, data };
  },
  async handle(s, { name, flags, date, data }: AppendArgs) {
    const clean = flags.filter((f) => f.toLowerCase() !== '\\recent');
    if (clean.some((f) => f === '\\*' || (f.startsWith('\\') && !SYSTEM_FLAGS.some((sf) => sf.toLowerCase() === f.toLowerCase())))) {
      return bad('Invalid flag in APPEND');
    }
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    if (size === 0) return no(Code.CANNOT, 'Empty message');
    try {
      // A spooled literal is streamed to the store, never held whole in memory.
      const body = Buffer.isBuffer(data) ? data : fs.createReadStream(data.path);
      const res = await mail(s).append(name, { size, data: body, flags: clean.map(canonicalFlag), internalDate: date });
      if (s.selected && s.selected.view.folder.name === normalizeName(name)) s.selected.dirty = true;
      return ok('APPEND completed', `${Code.APPENDUID} ${res.uidValidity} ${res.uid}`);
    } catch (err) {
      return tryCreateOrThrow(err);
    }
  },
});

export function canonicalFlag(flag: string): string {
  if (!flag.startsWith('\\')) return flag;
  return SYSTEM_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase()) ?? flag;
}

// ---------------------------------------------------------------- NAMESPACE / QUOTA

const namespace = command({
  states: AUTHENTICATED,
  async handle(s) {
    await s.untagged(atom('NAMESPACE'), [['', HIERARCHY_DELIMITER]], null, null);
  },
});

async function sendQuota(s: ImapSession): Promise<void> {
  const q = await mail(s).quota();
  const kib = (n: number) => Math.ceil(n / 1024);
  await s.untagged(atom('QUOTA'), '', [atom('STORAGE'), kib(q.usedBytes), kib(q.limitBytes)]);
}

const getquotaroot = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    await mail(s).status(name);
    await s.untagged(atom('QUOTAROOT'), wireName(name), '');
    await sendQuota(s);
  },
});

const getquota = command({
  states: AUTHENTICATED,
  parse(r) {
    r.sp();
    return r.astring();
  },
  async handle(s, root: string) {
    if (root !== '') return no(Code.NONEXISTENT, 'No such quota root');
    await sendQuota(s);
  },
});

const setquota = command({
  states: AUTHENTICATED,
  parse(r) {
    r.rest();
    return null;
  },
  async handle() {
    return no(Code.NOPERM, 'Quotas are set by the administrator');
  },
});

export const mailboxCommands = {
  SELECT: selectCommand(false),
  EXAMINE: selectCommand(true),
  CREATE: create,
  DELETE: del,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  LIST: listCommand,
  LSUB: lsub,
  STATUS: status,
  APPEND: append,
  NAMESPACE: namespace,
  GETQUOTAROOT: getquotaroot,
  GETQUOTA: getquota,
  SETQUOTA: setquota,
};
