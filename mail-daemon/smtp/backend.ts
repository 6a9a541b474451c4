import type { Policy } from '@/lib/policy';
import type { ProtocolKeyword, TlsFacts } from './received';

// What the SMTP protocol side needs from the Postgres side (mail-daemon/delivery/
// implements it). The protocol code never sees Prisma or SQL.

export type ListenerKind = 'mx' | 'submission' | 'submissions';

export interface AuthUser {
  mailboxId: string;
  address: string;
  domainId: string;
}

export type RecipientLookup =
  /** One of our domains, resolved (aliases, catch-all, plus-addressing) to deliverable mailboxes. */
  | { kind: 'local'; mailboxes: { id: string; domainId: string }[]; forwards: string[] }
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
