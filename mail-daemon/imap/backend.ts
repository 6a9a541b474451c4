// Over 300 lines: the whole store interface with its rules in one place, the single contract between IMAP and the store.
/**
 * THE store interface the IMAP protocol code talks to (implemented by mail-daemon/store/, consumed by the session).
 *
 * Shape (after go-imap v2's Backend/Session): a `MailStore` per process; `open(mailboxId)` after a
 * successful LOGIN/AUTHENTICATE (lib/auth decides who that is, not this file) gives a `MailSession`
 * holding the authenticated-state operations; `select()` gives a `FolderView` holding the
 * selected-state operations for that one folder. Everything is typed data: no IMAP wire strings
 * cross this boundary, and nothing here knows about tags, literals or sequence numbers.
 *
 * Rules for the protocol side:
 * - Sequence numbers are the session's business (`tracker.ts`): `select()` returns the UID list in
 *   ascending order (sequence number = index + 1); the session maps seq sets to UIDs before calling,
 *   and applies `changes()` (expunged / added / updated) to its own list when it may legally do so
 *   (never an EXPUNGE during FETCH/STORE/SEARCH). Every UID list argument is explicit UIDs or ranges.
 *   A UID that no longer exists is silently skipped (FETCH/STORE/COPY return only what exists).
 * - The expunging session also sees its own expunged UIDs again in the next `changes()`; ignore
 *   UIDs that are no longer in your list.
 * - Folder names are Unicode strings with delimiter '/' (the session converts modified UTF-7). "INBOX"
 *   is matched case-insensitively and always reported as "INBOX".
 * - Failures are `StoreError` with a `code` the session maps to an IMAP response code
 *   (NONEXISTENT/TRYCREATE, ALREADYEXISTS, OVERQUOTA, TOOBIG, CANNOT, ...). Any other thrown error is an
 *   internal failure: log it, answer NO/BAD with a generic text, never its message.
 * - Cross-process changes (deliveries by SMTP, other IMAP sessions in any daemon process) arrive through
 *   `MailSession.watch()` (Postgres LISTEN/NOTIFY on CHANNELS.mailstore). On an event for the selected
 *   folder, call `view.changes(...)` (IDLE: at once; otherwise at the next NOOP/command end).
 *
 * - Flags come back in stored order (system flags first, then keywords) and never include \Recent:
 *   \Recent is per view (`recentUids()`, `FolderChanges.recent`); add it when serializing.
 * - A non-peek BODY[...] fetch on a read-write view sets \Seen and returns `flags` and `modseq` unasked;
 *   `storeFlags` returns each message's flags and modseq. Remember those modseqs to skip your own
 *   changes in the next `changes().updated`.
 * - Keywords: the session announces every keyword with FLAGS before a FETCH shows it (RFC 3501 7.2.6),
 *   comparing each result's flags with what it announced; the store needs no keyword registry.
 * - Folders are rows: deleting "A" leaves "A/B" in place (LIST must show "A" as \NonExistent/\Noselect
 *   when it lists "A/B"); CREATE "A/B/C" creates missing superiors; renaming renames inferiors.
 * - Sizes: every byte count (RFC822.SIZE, BODYSTRUCTURE sizes, section data) is of the stored bytes,
 *   which are CRLF-normalized at delivery/APPEND, so what is announced is exactly what is served.
 *
 * Implementation: mail-daemon/store/ (`createPgMailStore`).
 */
import type { Readable } from 'node:stream';

export const HIERARCHY_DELIMITER = '/';

/**
 * The RFC 3501 system flags (\Recent excluded: it is session state, never stored), in the
 * order the server sends them in FLAGS and PERMANENTFLAGS responses and in FETCH FLAGS.
 */
export const SYSTEM_FLAGS: readonly string[] = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** RFC 6154 attributes. */
export type SpecialUse = '\\Drafts' | '\\Sent' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

// ---------------------------------------------------------------- errors

export type StoreErrorCode =
  /** Folder does not exist (APPEND/COPY/MOVE: the session answers [TRYCREATE]). */
  | 'nonexistent'
  /** CREATE/RENAME target exists. */
  | 'alreadyexists'
  /** The operation would exceed the mailbox quota. */
  | 'overquota'
  /** The message is larger than `limits.appendLimit`. */
  | 'toobig'
  /** Not allowed on this folder (deleting INBOX, renaming to INBOX, name invalid...). */
  | 'cannot'
  /** A write on an EXAMINEd (read-only) view. */
  | 'readonly'
  /** Bad argument the session should have rejected (e.g. an invalid flag). */
  | 'invalid';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

// ---------------------------------------------------------------- folders

export interface FolderInfo {
  id: string;
  /** Unicode, '/'-separated; "INBOX" for the inbox. */
  name: string;
  delimiter: typeof HIERARCHY_DELIMITER;
  specialUse: SpecialUse | null;
  /** Its name is in the subscriptions (which are names: see MailSession.listSubscriptions). */
  subscribed: boolean;
}

/** STATUS data (and the counts a SELECT needs). */
export interface FolderStatus {
  name: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  messages: number;
  /** Messages not yet claimed as \Recent by any session. */
  recent: number;
  unseen: number;
  deleted: number;
  /** Bytes of the \\Deleted messages: what EXPUNGE would free (RFC 9208 DELETED-STORAGE). */
  deletedSize: number;
  /** Sum of RFC822.SIZE (STATUS=SIZE). */
  size: number;
}

// ---------------------------------------------------------------- MIME data (computed once, see lib/mime)

export type {
  Envelope,
  EnvelopeAddress,
  BodyStructure,
  SinglePartBody,
  MultipartBody,
  BodyParams,
  BodyDisposition,
} from '@/lib/mime/types';
import type { Envelope, BodyStructure } from '@/lib/mime/types';

// ---------------------------------------------------------------- messages

export interface MessageSummary {
  uid: number;
  /** Stored order: system flags first, then keywords; never \Recent (that is per view: recentUids()). */
  flags: string[];
  modseq: number;
}

/** BODY[<part>.<specifier>]<<offset>.<length>> — the session maps RFC822* to these. */
export interface SectionSpec {
  /** [] = the whole message; [1, 2] = part 1.2. */
  part: number[];
  /** Absent = the part itself (BODY[] / BODY[1.2]). */
  specifier?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** For HEADER.FIELDS(.NOT): field names, any case. */
  fields?: string[];
  partial?: { offset: number; length: number };
  /** BODY.PEEK / RFC822.HEADER / RFC822.SIZE-like reads: do not set \Seen. */
  peek?: boolean;
  /** RFC 3516 BINARY: the part's content-transfer-encoding undone (before <partial>); no specifier. */
  decode?: boolean;
}

export interface FetchItems {
  flags?: boolean;
  internalDate?: boolean;
  size?: boolean;
  envelope?: boolean;
  /** BODYSTRUCTURE (with extension data; the session drops it for BODY). */
  bodyStructure?: boolean;
  modseq?: boolean;
  sections?: SectionSpec[];
}

export interface FetchOptions {
  /** CONDSTORE FETCH (CHANGEDSINCE n): only messages with modseq > n. */
  changedSince?: number;
}

export interface FetchResult {
  uid: number;
  /** Present when asked, or when a non-peek section read set \Seen (then send FLAGS unasked). */
  flags?: string[];
  /** Present when asked, or with flags set by this fetch (so the session knows it already reported that
   *  modseq and can skip it in the next changes().updated). */
  modseq?: number;
  internalDate?: Date;
  /** With internalDate: its zone in minutes east of UTC, as APPEND gave it (0 for deliveries). */
  internalDateZone?: number;
  size?: number;
  envelope?: Envelope;
  bodyStructure?: BodyStructure;
  /** Same order as items.sections. `data` is exactly the bytes to serve (already sliced for <partial>);
   *  null when the part does not exist (serve NIL), or with `unknownEncoding` when BINARY meets a
   *  content-transfer-encoding it cannot undo (answer NO [UNKNOWN-CTE], RFC 3516 4.2). */
  sections?: { spec: SectionSpec; data: Buffer | null; unknownEncoding?: boolean }[];
}

export type StoreOperation = 'add' | 'remove' | 'set';

export interface StoreFlagsInput {
  op: StoreOperation;
  /** System flags (\Seen ...) and keywords; \Recent is not storable (the session filters it). */
  flags: string[];
  /** CONDSTORE UNCHANGEDSINCE. */
  unchangedSince?: number;
}

export interface StoreFlagsResult {
  /** Messages whose flags are now as given (including unchanged ones, for the untagged FETCH). */
  updated: MessageSummary[];
  /** UNCHANGEDSINCE failures: answer [MODIFIED uid-set]. */
  modified: number[];
}

/** UIDPLUS COPYUID / MOVE data. */
export interface CopyResult {
  uidValidity: number;
  /** [source UID, destination UID] in source order. */
  mapping: [number, number][];
}

export interface MoveResult extends CopyResult {
  /** Source UIDs removed from the selected folder (send EXPUNGE / VANISHED for them now). */
  expunged: number[];
}

export interface AppendInput {
  /** Exact size of the literal. Checked against limits.appendLimit before anything is read. */
  size: number;
  /** The literal: a Buffer, or a stream that yields exactly `size` bytes. */
  data: Buffer | Readable | AsyncIterable<Buffer>;
  /**
   * Sent as RFC 3516 literal8 (or an RFC 6855 UTF8 literal): stored octet for octet, line ends
   * untouched, since a binary body's CR and LF octets are data. Otherwise line ends become CRLF.
   */
  verbatim?: boolean;
  flags?: string[];
  internalDate?: Date;
  /** The zone the client gave with internalDate, in minutes east of UTC (INTERNALDATE shows it again). */
  internalDateZone?: number;
}

export interface AppendResult {
  uidValidity: number;
  uid: number;
}

/** MULTIAPPEND (RFC 3502): one UID per message, in the order given. */
export interface AppendManyResult {
  uidValidity: number;
  uids: number[];
}

/** A message section another message is built from (RFC 4469 CATENATE's URL parts). */
export interface SectionReference {
  folder: string;
  /** When given, the folder's UIDVALIDITY must be this (else the reference names nothing). */
  uidValidity?: number;
  uid: number;
  section: SectionSpec;
}

export interface QuotaInfo {
  /** QUOTA root "" STORAGE: bytes (the session divides by 1024, rounding up). */
  usedBytes: number;
  limitBytes: number;
  messages: number;
}

// ---------------------------------------------------------------- search

export type UidRanges = [first: number, last: number][];

/** A typed SEARCH criteria tree; the session resolves sequence sets and '*' to UID ranges. */
export type SearchKey =
  | { op: 'all' }
  | { op: 'and'; keys: SearchKey[] }
  | { op: 'or'; keys: [SearchKey, SearchKey] }
  | { op: 'not'; key: SearchKey }
  | { op: 'uid'; ranges: UidRanges }
  /** \Answered \Deleted \Draft \Flagged \Seen or a keyword; present = true for SEEN/KEYWORD, false for UNSEEN/UNKEYWORD. */
  | { op: 'flag'; flag: string; present: boolean }
  /** \Recent as this view sees it (NEW = recent AND unseen; OLD = NOT recent). */
  | { op: 'recent' }
  /** BEFORE/ON/SINCE (internal date) and SENTBEFORE/SENTON/SENTSINCE (Date: header); day = 'YYYY-MM-DD'. */
  | { op: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; day: string }
  | { op: 'size'; cmp: 'larger' | 'smaller'; bytes: number }
  /** HEADER field string, and SUBJECT as a header key; value '' = field present. */
  | { op: 'header'; field: string; value: string }
  /** FROM/TO/CC/BCC: a substring of the field's decoded addresses, 'Name <local@domain>' (as Dovecot); '' = field present. */
  | { op: 'address'; field: 'from' | 'to' | 'cc' | 'bcc'; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  /** CONDSTORE MODSEQ n: modseq >= n. */
  | { op: 'modseq'; min: number };

export interface SearchResult {
  uids: number[];
  /** Highest modseq among the matches (CONDSTORE, when the criteria used MODSEQ). */
  highestModseq: number | null;
  /** Each match's modseq, in the order of `uids`, when the criteria used MODSEQ (ESEARCH MIN/MAX report theirs). */
  modseqs: number[] | null;
}

// ---------------------------------------------------------------- sort and thread (RFC 5256, RFC 5957)

/** SORT keys; DISPLAYFROM/DISPLAYTO are RFC 5957's. */
export type SortKey = 'arrival' | 'cc' | 'date' | 'from' | 'size' | 'subject' | 'to' | 'displayfrom' | 'displayto';

export interface SortCriterion {
  key: SortKey;
  /** REVERSE: this key only; ties still go by UID ascending (the sequence order). */
  reverse: boolean;
}

export type ThreadAlgorithm = 'orderedsubject' | 'references';

/** One message of a thread and its replies; uid null for a placeholder holding sibling threads. */
export interface ThreadNode {
  uid: number | null;
  children: ThreadNode[];
}

// ---------------------------------------------------------------- change feed

export interface ChangesSince {
  /** Highest modseq this session has reported so far. */
  modseq: number;
  /** UIDNEXT as this session knows it: UIDs >= it are new messages (EXISTS), below it flag updates. */
  uidNext: number;
}

export interface FolderChanges {
  /** UIDs expunged with modseq > since.modseq, ascending. */
  expunged: number[];
  /** New messages (uid >= since.uidNext), ascending. */
  added: MessageSummary[];
  /** Messages with uid < since.uidNext whose flags changed (modseq > since.modseq). */
  updated: MessageSummary[];
  /** UIDs this view claimed as \Recent in this call (arrived since the last claim by any session). */
  recent: number[];
  highestModseq: number;
  uidNext: number;
  /** The folder was deleted or renamed away under the view (answer BYE or unselect). */
  gone: boolean;
}

/** A cross-process event: something changed in the session's mailbox (NOTIFY payload). */
export interface MailboxEvent {
  folderId: string | null;
  modseq: number | null;
  /** 'messages' for appends/flags/expunges; 'folders' for create/delete/rename/subscribe. */
  kind: 'messages' | 'folders';
}

// ---------------------------------------------------------------- the interfaces

/** The selected state: one folder, one session. */
export interface FolderView {
  readonly folder: FolderInfo;
  readonly readOnly: boolean;
  readonly uidValidity: number;

  /** Fetch items for the given UIDs (ascending output). Streams so large bodies are not all in memory. */
  fetch(uids: UidRanges | number[], items: FetchItems, options?: FetchOptions): AsyncIterable<FetchResult>;
  storeFlags(uids: UidRanges | number[], input: StoreFlagsInput): Promise<StoreFlagsResult>;
  /** Copy into another folder of the same mailbox (quota charged). */
  copy(uids: UidRanges | number[], destination: string): Promise<CopyResult>;
  /** MOVE: copy + expunge of the source in one transaction. */
  move(uids: UidRanges | number[], destination: string): Promise<MoveResult>;
  /** Remove \Deleted messages (only among `uids` when given: UID EXPUNGE). Returns expunged UIDs ascending. */
  expunge(uids?: UidRanges | number[]): Promise<number[]>;
  search(key: SearchKey): Promise<SearchResult>;
  /** SORT: the UIDs matching `key`, ordered by the criteria, ties by UID. */
  sort(criteria: readonly SortCriterion[], key: SearchKey): Promise<number[]>;
  /** THREAD: the messages matching `key` as threads, in the algorithm's order. */
  thread(algorithm: ThreadAlgorithm, key: SearchKey): Promise<ThreadNode[]>;
  /** What changed since the session's last known state (NOOP, IDLE, command end, QRESYNC). */
  changes(since: ChangesSince): Promise<FolderChanges>;
  /** UIDs this view holds as \Recent (RFC 3501; claimed at select and by changes()). */
  recentUids(): ReadonlySet<number>;
  /** Flags that appear in the folder, for the FLAGS response (system flags + keywords in use). */
  flagsInUse(): Promise<string[]>;
}

export interface SelectResult {
  view: FolderView;
  status: FolderStatus;
  /** All UIDs, ascending: sequence number n is uids[n - 1]. */
  uids: number[];
  /** Lowest UID without \Seen (the session turns it into [UNSEEN seq]); null if none. */
  firstUnseenUid: number | null;
  flags: string[];
}

/** The authenticated state: one mailbox (account). */
export interface MailSession {
  readonly mailboxId: string;
  listFolders(): Promise<FolderInfo[]>;
  createFolder(name: string, options?: { specialUse?: SpecialUse }): Promise<FolderInfo>;
  /** Fails with 'cannot' for INBOX; inferior folders are left alone (RFC 3501). */
  deleteFolder(name: string): Promise<void>;
  /** Renames the folder and its inferiors; renaming INBOX moves its messages to a new folder and leaves INBOX empty. */
  renameFolder(from: string, to: string): Promise<void>;
  /**
   * Subscriptions are names, not folders (RFC 3501 6.3.6): SUBSCRIBE needs no folder, DELETE
   * and RENAME leave them alone, CREATE adds none. Sorted, INBOX first.
   */
  listSubscriptions(): Promise<string[]>;
  subscribe(name: string): Promise<void>;
  /** Not subscribed is not an error. */
  unsubscribe(name: string): Promise<void>;
  status(name: string): Promise<FolderStatus>;
  /** STATUS of every folder, read together (LIST-STATUS, RFC 5819), by name. */
  statusAll(): Promise<Map<string, FolderStatus>>;
  select(name: string, options?: { readOnly?: boolean }): Promise<SelectResult>;
  append(folder: string, input: AppendInput): Promise<AppendResult>;
  /** MULTIAPPEND: every message or none, in one transaction, the quota checked for their total. */
  appendMany(folder: string, inputs: AppendInput[]): Promise<AppendManyResult>;
  /** The bytes of a section of a message in one of this mailbox's folders; null when it names nothing. */
  readSection(ref: SectionReference): Promise<Buffer | null>;
  quota(): Promise<QuotaInfo>;
  /** Cross-process notifications for this mailbox; returns the unsubscribe function. */
  watch(listener: (event: MailboxEvent) => void): () => void;
  close(): void;
}

export interface MailStoreLimits {
  /** APPENDLIMIT: the largest message APPEND accepts, in bytes. */
  appendLimit: number;
}

export interface MailStore {
  readonly limits: MailStoreLimits;
  /** After successful authentication; creates the default folders if missing. */
  open(mailboxId: string): Promise<MailSession>;
}
