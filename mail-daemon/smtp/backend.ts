import type { Policy } from '@/lib/policy';
import type { Reply } from './codes';
import type { ProtocolKeyword, TlsFacts } from './received';

// What the SMTP protocol side needs from the Postgres side (mail-daemon/delivery/
// implements it). The protocol code never sees Prisma or SQL.

export type ListenerKind = 'mx' | 'submission' | 'submissions';

export interface AuthUser {
  mailboxId: string;
  address: string;
  domainId: string;
  /** The app password AUTH used (lib/app-passwords); null or absent: the mailbox password. */
  appPasswordId?: string | null;
}

/** A mailbox a recipient resolved to; `away`: its owner's vacation reply is on (RFC 3834). */
export interface LocalMailbox {
  id: string;
  domainId: string;
  away: boolean;
}

export type RecipientLookup =
  /** One of our domains, resolved (aliases, catch-all, plus-addressing) to deliverable mailboxes. */
  | { kind: 'local'; mailboxes: LocalMailbox[]; forwards: string[] }
  | { kind: 'unknown' }
  | { kind: 'disabled' }
  | { kind: 'over_quota' }
  /** Not a domain we host. */
  | { kind: 'remote' };

/** RFC 3461: RET and ENVID of the MAIL command; NOTIFY and ORCPT per remote recipient (lowercase key). */
export interface EnvelopeDsn {
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  recipients: Record<string, { notify: string[] | null; orcpt: string | null }>;
}

export interface AcceptInput {
  queueId: string;
  /** The message as stored: Return-Path and Received prepended. */
  raw: Buffer;
  listener: ListenerKind;
  clientIp: string;
  clientName: string | null;
  helo: string;
  mailFrom: string;
  /** Every accepted envelope recipient, as given. */
  recipients: string[];
  /** Distinct local mailboxes to deliver to. */
  mailboxIds: string[];
  /**
   * Those of mailboxIds whose owner had a vacation reply on when the recipient was resolved, the
   * only ones delivery asks whether to answer (so mail to mailboxes nobody left costs no lookup);
   * absent: not known, every one is asked.
   */
  away?: string[];
  /** Recipients for the outbound queue: relayed (authenticated or relay-network senders) or alias forwards. */
  remoteRecipients: string[];
  /** Those of remoteRecipients that are alias forwards (not relayed for the sender): SRS applies to them. */
  forwarded: string[];
  /** RFC 3461 parameters given with MAIL and RCPT, carried to the next hop and to our own notices. */
  dsn?: EnvelopeDsn;
  authUser: AuthUser | null;
  protocol: ProtocolKeyword;
  tls: TlsFacts | null;
  receivedAt: Date;
  /** The checks on arrival and where they sent the message; absent when it was not judged (submissions, relay networks). */
  arrival?: ArrivalRecord;
}

/**
 * Checks on arrival at the MX port for mail from strangers (never authenticated sessions or the
 * policy's relay networks): DNS blocklists at connect, greylisting at RCPT, and at the end of DATA
 * SPF, DKIM, DMARC, ARC with the sender domain's policy, and the spam filter.
 * mail-daemon/authentication/ implements it; the protocol code sees only verdicts.
 */
export interface InboundFilter {
  /** RFC 5782: a client listed on one of the policy's DNS blocklists is refused. */
  connect(clientIp: string, policy: Policy): Promise<FilterVerdict>;
  /** RFC 6647: a new (network, sender, recipient) triplet is deferred. `domainIds`: the recipient's mailbox domains. */
  recipient(input: { clientIp: string; mailFrom: string; recipient: string; domainIds: string[] }): Promise<FilterVerdict>;
  /** Judges the message as the client sent it. Throws only on a local failure (the caller answers 451 4.3.0). */
  message(input: InboundMessage): Promise<InboundJudgement>;
}

export type FilterVerdict = { action: 'continue' } | { action: 'tempfail' | 'reject'; reply: Reply; reason: string };

export interface InboundMessage {
  queueId: string;
  /** As the client sent it, before our trace fields. */
  message: Buffer;
  clientIp: string;
  clientName: string | null;
  helo: string;
  mailFrom: string;
  recipients: string[];
  /** The recipient domains whose policies apply (the mailboxes' domains). */
  domainIds: string[];
}

export interface InboundJudgement {
  verdict: FilterVerdict;
  /** The message to store: Authentication-Results fields claiming our authserv-id removed (RFC 8601 §5). */
  message: Buffer;
  /** Fields for the top of the stored message (Authentication-Results, X-Spam-*), each ending in CRLF. */
  header: string;
  record: ArrivalRecord;
}

/** What smtp_receipts keeps of the checks (RFC 8601 result keywords; null: not checked). */
export interface ArrivalRecord {
  fromDomain: string | null;
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  arc: string | null;
  authResultsHeader: string | null;
  /** The full results (SPF, each DKIM signature, DMARC with its policy, ARC), for the message page. */
  authResults: unknown;
  disposition: 'inbox' | 'junk';
  /** Why it went to Junk, e.g. "dmarc=quarantine", "rspamd=add header". */
  dispositionReason: string | null;
  spam: { action: string; score: number; symbols: Record<string, unknown> } | null;
}

/** What an authenticated sender sent recently (from the receipts every daemon writes). */
export interface SendUsage {
  messagesLastHour: number;
  recipientsLastDay: number;
}

export type AuthResult = { ok: true; user: AuthUser } | { ok: false; reason: 'invalid' | 'throttled' };

export interface SmtpBackend {
  /** Effective policy (global, or a domain's), cached and invalidated on NOTIFY. */
  policy(domainId?: string | null): Promise<Policy>;
  /** `tls`: the session's TLS (null in cleartext), recorded for the client-side TLS statistics on success. */
  authenticate(input: { username: string; password: string; ip: string; tls?: TlsFacts | null }): Promise<AuthResult>;
  /** May this authenticated user use `address` as its envelope sender (own address or alias to it)? */
  ownsAddress(user: AuthUser, address: string): Promise<boolean>;
  /** `sizeHint` is the MAIL FROM SIZE= parameter when the client gave one. */
  lookupRecipient(address: string, sizeHint: number | null): Promise<RecipientLookup>;
  /** Messages in the last hour and recipients in the last day submitted by this user. */
  sendUsage(user: AuthUser): Promise<SendUsage>;
  /** Records (audit log, once an hour per mailbox) that a send limit stopped this user. */
  sendLimitReached(user: AuthUser, limit: 'messages_per_hour' | 'recipients_per_day', value: number): Promise<void>;
  /** Commits the message (local INBOXes, outbound queue, receipt) in one transaction; throws on failure. */
  accept(input: AcceptInput): Promise<void>;
}
