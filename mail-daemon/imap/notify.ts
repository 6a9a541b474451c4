// RFC 5465 NOTIFY: the client's event filter (which mailboxes, which events, in the order the
// client gave them) and the notifications for mailboxes other than the selected one: STATUS
// when their messages change (5.2-5.4), LIST when they are created, deleted or renamed (5.5)
// and when their subscription changes (5.6). The selected mailbox's EXISTS / EXPUNGE / FETCH
// stay the tracker's; this file only says whether and how they may be sent unsolicited.
import { HIERARCHY_DELIMITER, type FolderStatus, type MailboxEvent, type MailSession } from './backend';
import { atom, type WireValue } from './protocol/encode';
import type { FetchItem } from './protocol/fetch-items';

export type NotifyEvent = 'MessageNew' | 'MessageExpunge' | 'FlagChange' | 'MailboxName' | 'SubscriptionChange';

/** The events this server reports, in the order NO [BADEVENT (...)] lists them (RFC 5465 3). */
export const SUPPORTED_EVENTS: readonly NotifyEvent[] = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange'];

export type MailboxFilter =
  | { kind: 'selected'; delayed: boolean }
  | { kind: 'inboxes' }
  | { kind: 'personal' }
  | { kind: 'subscribed' }
  | { kind: 'subtree'; names: string[] }
  | { kind: 'mailboxes'; names: string[] };

export interface EventGroup {
  filter: MailboxFilter;
  events: ReadonlySet<NotifyEvent>;
  /** MessageNew's fetch attributes (SELECTED and SELECTED-DELAYED only). */
  fetch: FetchItem[] | null;
}

export interface NotifySpec {
  /** NOTIFY SET STATUS: the mailboxes' STATUS now. */
  status: boolean;
  groups: EventGroup[];
}

/**
 * Events queued while the client does not read what was sent: past this many, the client is
 * told [NOTIFICATIONOVERFLOW] and notifications stop (RFC 5465 5.8).
 */
export const NOTIFY_BACKLOG = 64;

/** Events about messages; SELECTED and SELECTED-DELAYED take these only (RFC 5465 6). */
export const MESSAGE_EVENTS: readonly NotifyEvent[] = ['MessageNew', 'MessageExpunge', 'FlagChange'];

interface Mailbox {
  name: string;
  subscribed: boolean;
  /** The folder's special use; null for a name without a folder. */
  specialUse: string | null;
}

function matches(filter: Exclude<MailboxFilter, { kind: 'selected' }>, m: Mailbox): boolean {
  switch (filter.kind) {
    case 'inboxes':
      // The mailboxes SMTP delivery writes to (RFC 5465 6): INBOX, and Junk for what the checks on arrival file there.
      return m.name === 'INBOX' || m.specialUse === '\\Junk';
    case 'personal':
      return true;
    case 'subscribed':
      return m.subscribed;
    case 'subtree':
      return filter.names.some((n) => m.name === n || m.name.startsWith(n + HIERARCHY_DELIMITER));
    case 'mailboxes':
      return filter.names.includes(m.name);
  }
}

/** The SELECTED or SELECTED-DELAYED group, if the client gave one. */
export function selectedGroup(spec: NotifySpec): (EventGroup & { filter: { kind: 'selected'; delayed: boolean } }) | null {
  return (spec.groups.find((g) => g.filter.kind === 'selected') as ReturnType<typeof selectedGroup>) ?? null;
}

/**
 * Does the client want this event for this mailbox (RFC 5465 6)? The groups are tried in the
 * client's order: one naming the mailbox with the event says yes, one naming it with NONE says
 * no, others are passed over. Message events of the selected mailbox are the SELECTED group's
 * alone (so it never gets STATUS).
 */
export function wants(spec: NotifySpec, m: Mailbox, selectedName: string | null, event: NotifyEvent): boolean {
  if (MESSAGE_EVENTS.includes(event) && m.name === selectedName) return selectedGroup(spec)?.events.has(event) ?? false;
  for (const g of spec.groups) {
    if (g.filter.kind === 'selected' || !matches(g.filter, m)) continue;
    if (g.events.size === 0) return false;
    if (g.events.has(event)) return true;
  }
  return false;
}

/** What goes out for mailboxes other than the selected one. */
export interface NotifyOutput {
  readonly mail: MailSession;
  untagged(...values: WireValue[]): Promise<void>;
  /** The selected mailbox's name (its message events are not STATUS), null when none. */
  readonly selectedName: string | null;
  /** CONDSTORE is on: STATUS carries HIGHESTMODSEQ (RFC 7162 3.1.10). */
  readonly condstore: boolean;
  /** The mailbox name on the wire. */
  wireName(name: string): WireValue;
}

interface Known extends Mailbox {
  /** The STATUS last told (or learned as a baseline), for mailboxes with message events. */
  status: FolderStatus | null;
}

/**
 * One session's NOTIFY state: the mailboxes as last told, and which changed since. Changes are
 * coalesced per mailbox, so a burst of deliveries becomes one STATUS.
 */
export class Notifications {
  /** Folders by id. */
  private known = new Map<string, Known>();
  /** Subscribed names (RFC 3501 6.3.6: names, whether or not a folder has them). */
  private subscriptions = new Set<string>();
  private readonly dirtyFolders = new Set<string>();
  private allDirty = false;
  private foldersDirty = false;
  /** Events that arrived while notifications were being written (the client reading them). */
  private backlog = 0;

  constructor(
    readonly spec: NotifySpec,
    private readonly out: NotifyOutput,
  ) {}

  /** Learns the mailboxes and their STATUS; with NOTIFY SET STATUS, sends them. */
  async start(): Promise<void> {
    await this.relist(false);
    for (const [, k] of this.known) {
      if (!this.wantsMessages(k)) continue;
      k.status = await this.statusOf(k.name);
      if (k.status && this.spec.status) await this.sendStatus(k.name, k.status);
    }
  }

  /**
   * A change in the account; `writing`: notifications are being written meanwhile. Returns
   * true when there is something to tell.
   */
  note(event: MailboxEvent, writing: boolean): boolean {
    if (writing) this.backlog++;
    if (event.kind === 'folders') this.foldersDirty = true;
    else if (event.folderId === null) this.allDirty = true;
    else this.dirtyFolders.add(event.folderId);
    return this.pending;
  }

  get pending(): boolean {
    return this.foldersDirty || this.allDirty || this.dirtyFolders.size > 0;
  }

  /** The client fell too far behind: notifications stop (RFC 5465 5.8). */
  get overflowed(): boolean {
    return this.backlog > NOTIFY_BACKLOG;
  }

  /** What was being written has been written: the client keeps up. */
  caughtUp(): void {
    this.backlog = 0;
  }

  /** Sends what changed since the last flush. */
  async flush(): Promise<void> {
    if (this.foldersDirty) {
      this.foldersDirty = false;
      await this.relist(true);
    }
    const ids = this.allDirty ? [...this.known.keys()] : [...this.dirtyFolders];
    this.allDirty = false;
    this.dirtyFolders.clear();
    for (const id of ids) {
      if (this.overflowed) return;
      const k = this.known.get(id);
      if (k && this.wantsMessages(k)) await this.statusChanged(k);
    }
  }

  private wantsMessages(k: Mailbox): boolean {
    return k.name !== this.out.selectedName && wants(this.spec, k, this.out.selectedName, 'MessageNew');
  }

  private async statusOf(name: string): Promise<FolderStatus | null> {
    try {
      return await this.out.mail.status(name);
    } catch (err) {
      // Deleted meanwhile: its LIST (\NonExistent) follows from the folder event.
      if ((err as { code?: string }).code === 'nonexistent') return null;
      throw err;
    }
  }

  /** RFC 5465 5.2-5.4: STATUS for a changed mailbox, when what changed is among its events. */
  private async statusChanged(k: Known): Promise<void> {
    const now = await this.statusOf(k.name);
    if (!now) return;
    const before = k.status;
    k.status = now;
    const messages = !before || now.messages !== before.messages || now.uidNext !== before.uidNext || now.uidValidity !== before.uidValidity;
    const flags = !before || now.unseen !== before.unseen || now.highestModseq !== before.highestModseq;
    // No baseline (the mailbox was selected until now): it is told as it is.
    if (messages || (flags && wants(this.spec, k, this.out.selectedName, 'FlagChange'))) await this.sendStatus(k.name, now);
  }

  private async sendStatus(name: string, st: FolderStatus): Promise<void> {
    const items: WireValue[] = [atom('MESSAGES'), st.messages, atom('UIDNEXT'), st.uidNext, atom('UIDVALIDITY'), st.uidValidity, atom('UNSEEN'), st.unseen];
    if (this.out.condstore) items.push(atom('HIGHESTMODSEQ'), st.highestModseq);
    await this.out.untagged(atom('STATUS'), this.out.wireName(name), items);
  }

  /**
   * Reads the folder list; with `tell`, sends LIST for what was created, deleted or renamed
   * (MailboxName, RFC 5465 5.5) and for subscriptions that changed (SubscriptionChange, 5.6).
   */
  private async relist(tell: boolean): Promise<void> {
    const [folders, subscribed] = await Promise.all([this.out.mail.listFolders(), this.out.mail.listSubscriptions()]);
    const subscriptions = new Set(subscribed);
    const next = new Map<string, Known>();
    for (const f of folders) {
      const old = this.known.get(f.id);
      next.set(f.id, { name: f.name, subscribed: subscriptions.has(f.name), specialUse: f.specialUse, status: old && old.name === f.name ? old.status : null });
    }
    const previous = this.known;
    const previousSubscriptions = this.subscriptions;
    this.known = next;
    this.subscriptions = subscriptions;
    if (!tell) return;
    const sel = this.out.selectedName;
    const has = (m: Mailbox, e: NotifyEvent) => wants(this.spec, m, sel, e);
    const list = (attrs: string[], name: string, ...extra: WireValue[]) =>
      this.out.untagged(atom('LIST'), attrs.map(atom), HIERARCHY_DELIMITER, this.out.wireName(name), ...extra);
    for (const [id, old] of previous) {
      if (next.has(id) || !has(old, 'MailboxName')) continue;
      await list(['\\NonExistent'], old.name);
    }
    for (const [id, now] of next) {
      const old = previous.get(id);
      if (!old) {
        if (has(now, 'MailboxName')) await list([], now.name);
      } else if (old.name !== now.name) {
        if (has(now, 'MailboxName') || has(old, 'MailboxName')) await list([], now.name, ['OLDNAME', [this.out.wireName(old.name)]]);
      }
    }
    for (const name of new Set([...previousSubscriptions, ...subscriptions])) {
      const on = subscriptions.has(name);
      const folder = [...next.values()].find((k) => k.name === name);
      if (on === previousSubscriptions.has(name) || !has({ name, subscribed: on, specialUse: folder?.specialUse ?? null }, 'SubscriptionChange')) continue;
      await list(on ? ['\\Subscribed'] : [], name);
    }
  }
}
