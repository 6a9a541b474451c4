// Authenticated-state commands: SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, NAMESPACE and QUOTA (RFC 2087 subset); LIST, LSUB and STATUS are in list.ts,
// APPEND in append.ts.
import { HIERARCHY_DELIMITER, SYSTEM_FLAGS, type SpecialUse } from '../backend';
import { Code } from '../codes';
import { atom } from '../protocol/encode';
import { ParseError, type Reader } from '../protocol/reader';
import { formatSet, readSequenceSet, resolveStar, type SequenceSet } from '../protocol/sequence';
import { flagsLine, permanentFlagsLine } from '../selection';
import { readMailbox, readNewMailbox, wireName } from './mailbox-name';
import { AUTHENTICATED, bad, command, no, ok, type CommandSession } from './types';

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
      if (s.selectedName !== null) await s.untaggedStatus('OK', Code.CLOSED, 'Previous mailbox closed');
      s.deselect();
      if (condstore) s.useCondstore();
      const res = await s.mail.select(name, { readOnly });
      const keywords = res.flags.filter((f) => !f.startsWith('\\'));
      await s.send(flagsLine(keywords));
      await s.untagged(res.uids.length, atom('EXISTS'));
      // RFC 9051 6.3.2 (Appendix E): no RECENT and no [UNSEEN n]; LIST names the mailbox.
      if (s.imap4rev2) {
        const attrs = res.view.folder.specialUse ? [atom(res.view.folder.specialUse)] : [];
        await s.untagged(atom('LIST'), attrs, HIERARCHY_DELIMITER, wireName(res.view.folder.name));
      } else await s.untagged(res.view.recentUids().size, atom('RECENT'));
      if (res.firstUnseenUid !== null && !s.imap4rev2) {
        const seq = res.uids.indexOf(res.firstUnseenUid) + 1;
        if (seq > 0) await s.untaggedStatus('OK', `${Code.UNSEEN} ${seq}`, `Message ${seq} is first unseen`);
      }
      await s.send(permanentFlagsLine(keywords, readOnly));
      await s.untaggedStatus('OK', `${Code.UIDVALIDITY} ${res.status.uidValidity}`, 'UIDs valid');
      await s.untaggedStatus('OK', `${Code.UIDNEXT} ${res.status.uidNext}`, 'Predicted next UID');
      await s.untaggedStatus('OK', `${Code.HIGHESTMODSEQ} ${res.status.highestModseq}`, 'Highest');
      s.select({ view: res.view, uids: res.uids, modseq: res.status.highestModseq, uidNext: res.status.uidNext, flags: keywords });
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
async function resync(s: CommandSession, q: QresyncParams): Promise<void> {
  const changes = await s.view.changes({ modseq: q.modseq, uidNext: Number.MAX_SAFE_INTEGER });
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

const oneNewMailbox = (r: Reader) => {
  r.sp();
  return readNewMailbox(r);
};

const SPECIAL_USES: readonly SpecialUse[] = ['\\Drafts', '\\Sent', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged'];

const create = command({
  states: AUTHENTICATED,
  parse(r) {
    const name = oneNewMailbox(r);
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
    await s.mail.createFolder(name, specialUse ? { specialUse } : undefined);
  },
});

const del = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    if (name === 'INBOX') return no(Code.CANNOT, 'INBOX cannot be deleted');
    if (s.selectedName === name) s.deselect();
    await s.mail.deleteFolder(name);
  },
});

const rename = command({
  states: AUTHENTICATED,
  parse(r) {
    const from = oneMailbox(r);
    const to = oneNewMailbox(r);
    return { from, to };
  },
  async handle(s, { from, to }: { from: string; to: string }) {
    if (to === 'INBOX') return no(Code.CANNOT, 'Cannot rename to INBOX');
    await s.mail.renameFolder(from, to);
  },
});

const subscribe = command({
  states: AUTHENTICATED,
  parse: oneNewMailbox,
  async handle(s, name: string) {
    await s.mail.subscribe(name);
  },
});

const unsubscribe = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    await s.mail.unsubscribe(name);
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

async function sendQuota(s: CommandSession): Promise<void> {
  const q = await s.mail.quota();
  const kib = (n: number) => Math.ceil(n / 1024);
  await s.untagged(atom('QUOTA'), '', [atom('STORAGE'), kib(q.usedBytes), kib(q.limitBytes)]);
}

const getquotaroot = command({
  states: AUTHENTICATED,
  parse: oneMailbox,
  async handle(s, name: string) {
    await s.mail.status(name);
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

export const authenticatedCommands = {
  SELECT: selectCommand(false),
  EXAMINE: selectCommand(true),
  CREATE: create,
  DELETE: del,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  NAMESPACE: namespace,
  GETQUOTAROOT: getquotaroot,
  GETQUOTA: getquota,
  SETQUOTA: setquota,
};
