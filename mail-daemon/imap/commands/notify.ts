// NOTIFY (RFC 5465 3): NOTIFY NONE, and NOTIFY SET [STATUS] with one or more
// (filter events) groups. The filter and the notifications it causes are ../notify.ts;
// MessageNew's fetch attributes are answered as UID FETCH of the new messages.
import { Code } from '../codes';
import { MESSAGE_EVENTS, Notifications, SUPPORTED_EVENTS, type EventGroup, type MailboxFilter, type NotifyEvent, type NotifySpec } from '../notify';
import { readFetchItems, type FetchItem } from '../protocol/fetch-items';
import type { WireValue } from '../protocol/encode';
import { ParseError, type Reader } from '../protocol/reader';
import { readMailbox, wireName } from './mailbox-name';
import { selectedCommands } from './selected';
import { AUTHENTICATED, bad, command, no, type CommandSession, type Completion } from './types';

interface ParsedGroup {
  filter: MailboxFilter;
  /** Event names as given, lower case. */
  names: string[];
  fetch: FetchItem[] | null;
}

type NotifyArgs = { set: false } | { set: true; status: boolean; groups: ParsedGroup[] };

function readMailboxes(r: Reader): string[] {
  r.sp();
  if (r.peek() === '(') return r.list(() => readMailbox(r), false);
  return [readMailbox(r)];
}

function readFilter(r: Reader): MailboxFilter {
  const word = r.atom().toUpperCase();
  switch (word) {
    case 'SELECTED':
      return { kind: 'selected', delayed: false };
    case 'SELECTED-DELAYED':
      return { kind: 'selected', delayed: true };
    case 'INBOXES':
      return { kind: 'inboxes' };
    case 'PERSONAL':
      return { kind: 'personal' };
    case 'SUBSCRIBED':
      return { kind: 'subscribed' };
    case 'SUBTREE':
      return { kind: 'subtree', names: readMailboxes(r) };
    case 'MAILBOXES':
      return { kind: 'mailboxes', names: readMailboxes(r) };
    default:
      throw new ParseError('Unknown NOTIFY mailbox filter');
  }
}

function readGroup(r: Reader): ParsedGroup {
  r.expect('(');
  const filter = readFilter(r);
  r.sp();
  const group: ParsedGroup = { filter, names: [], fetch: null };
  if (!r.accept('NONE')) {
    // "(" event *(SP event) ")", where MessageNew may be followed by SP "(" fetch-att ... ")".
    r.expect('(');
    for (;;) {
      const name = r.atom().toLowerCase();
      group.names.push(name);
      if (r.accept(')')) break;
      r.sp();
      if (name === 'messagenew' && r.peek() === '(') {
        group.fetch = readFetchItems(r);
        if (r.accept(')')) break;
        r.sp();
      }
    }
  }
  r.expect(')');
  return group;
}

function readNotify(r: Reader): NotifyArgs {
  r.sp();
  if (r.accept('NONE')) return { set: false };
  r.expect('SET');
  r.sp();
  let status = false;
  if (r.accept('STATUS')) {
    status = true;
    r.sp();
  }
  const groups = [readGroup(r)];
  while (r.maybeSp()) groups.push(readGroup(r));
  return { set: true, status, groups };
}

/** Section data that would set \Seen: a notification must not change the message. */
function changesMessage(item: FetchItem): boolean {
  return (item.kind === 'BODY[]' || item.kind === 'BINARY[]' ? !item.peek : false) || item.kind === 'RFC822' || item.kind === 'RFC822.TEXT';
}

/** RFC 5465 3 and 5: the rules a valid event list keeps; a Completion when one is broken. */
function toSpec(args: { status: boolean; groups: ParsedGroup[] }): NotifySpec | Completion {
  const groups: EventGroup[] = [];
  const unsupported: string[] = [];
  for (const g of args.groups) {
    const events = new Set<NotifyEvent>();
    for (const name of g.names) {
      const known = SUPPORTED_EVENTS.find((e) => e.toLowerCase() === name);
      if (known) events.add(known);
      else unsupported.push(name);
    }
    if (unsupported.length) continue;
    if (events.has('MessageNew') !== events.has('MessageExpunge')) return bad('MessageNew and MessageExpunge go together', Code.CLIENTBUG);
    if (events.has('FlagChange') && !events.has('MessageNew')) return bad('FlagChange needs MessageNew and MessageExpunge', Code.CLIENTBUG);
    if (g.fetch && g.filter.kind !== 'selected') return bad('Fetch attributes are for the selected mailbox only', Code.CLIENTBUG);
    if (g.filter.kind === 'selected' && [...events].some((e) => !MESSAGE_EVENTS.includes(e))) return bad('SELECTED takes message events only', Code.CLIENTBUG);
    if (g.fetch?.some(changesMessage)) return bad('Notifications fetch with BODY.PEEK only', Code.CLIENTBUG);
    groups.push({ filter: g.filter, events, fetch: g.fetch });
  }
  // AnnotationChange, MailboxMetadataChange, ServerMetadataChange and any unknown event.
  if (unsupported.length) {
    return no(`${Code.BADEVENT} (${SUPPORTED_EVENTS.join(' ')})`, 'Unsupported event');
  }
  if (groups.filter((g) => g.filter.kind === 'selected').length > 1) return bad('One SELECTED or SELECTED-DELAYED filter at most', Code.CLIENTBUG);
  return { status: args.status, groups };
}

const uidFetch = selectedCommands['UID FETCH'];

/** MessageNew (fetch-att ...): the new messages' FETCH, exactly as UID FETCH serves it. */
function fetchNew(items: FetchItem[]) {
  return async (s: CommandSession, uids: readonly number[]): Promise<void> => {
    if (!uids.length) return;
    await uidFetch.handle(s, { set: uids.map((u) => ({ start: u, end: u })), items }, { tag: '*', name: 'UID FETCH' });
  };
}

const notify = command({
  states: AUTHENTICATED,
  parse: readNotify,
  async handle(s, args: NotifyArgs): Promise<Completion | void> {
    if (!args.set) {
      await s.setNotify(null);
      return;
    }
    const spec = toSpec(args);
    if (!('groups' in spec)) return spec;
    const fetch = spec.groups.find((g) => g.filter.kind === 'selected')?.fetch;
    const out = {
      get mail() {
        return s.mail;
      },
      untagged: (...values: WireValue[]) => s.untagged(...values),
      get selectedName() {
        return s.selectedName;
      },
      get condstore() {
        return s.condstore;
      },
      wireName,
    };
    await s.setNotify(new Notifications(spec, out), fetch ? fetchNew(fetch) : undefined);
  },
});

export const notifyCommands = {
  NOTIFY: notify,
};
