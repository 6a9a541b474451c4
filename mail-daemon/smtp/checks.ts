import ipaddr from 'ipaddr.js';
import { findBodyStart, parseAddressList, parseHeader } from '@/lib/mime';
import type { Policy } from '@/lib/policy';
import { splitAddress } from '@/lib/validations/address';
import type { AuthUser, InboundFilter, ListenerKind, RecipientLookup, SendUsage, SmtpBackend } from './backend';
import { REPLY, type Reply } from './codes';

// Inbound policy as ordered chains of small checks (Haraka's shape): each answers
// continue, accept (stop, the command succeeds), tempfail or reject with a named reply.

export type Verdict =
  | { action: 'continue' }
  | { action: 'accept' }
  | { action: 'tempfail' | 'reject'; reply: Reply };

const CONTINUE: Verdict = { action: 'continue' };
const ACCEPT: Verdict = { action: 'accept' };
const reject = (reply: Reply): Verdict => ({ action: reply.code >= 500 ? 'reject' : 'tempfail', reply });

/** What a check may know about the session. */
export interface CheckSession {
  listener: ListenerKind;
  clientIp: string;
  user: AuthUser | null;
  policy: Policy;
  /** The client is in the policy's relay networks. */
  relayClient: boolean;
  backend: SmtpBackend;
  /** The checks on arrival, for mail from strangers on the MX port (null: this session is not judged). */
  filter: InboundFilter | null;
}

export interface MailContext {
  session: CheckSession;
  address: string;
  /** RFC 6531: the SMTPUTF8 parameter was given on this MAIL command. */
  smtpUtf8: boolean;
  /** Filled by the send-limit check: the user's recent sending and daily recipient limit, for RCPT. */
  sending?: SendingBudget;
}

/** An authenticated sender's recipients so far today against its policy's daily limit (0 = none). */
export interface SendingBudget {
  usage: SendUsage;
  recipientsPerDay: number;
}

export interface RcptContext {
  session: CheckSession;
  address: string;
  /** The transaction's MAIL FROM address ("" for the null reverse-path). */
  mailFrom: string;
  /** RFC 6531: the transaction's MAIL command carried SMTPUTF8. */
  smtpUtf8: boolean;
  /** Recipients accepted so far in this transaction. */
  accepted: number;
  sizeHint: number | null;
  /** From MAIL: the sender's daily recipient budget, when limits apply. */
  sending: SendingBudget | null;
  lookup(): Promise<RecipientLookup>;
}

export type Check<C> = { name: string; run(c: C): Verdict | Promise<Verdict> };

export async function runChecks<C>(checks: Check<C>[], c: C): Promise<{ verdict: Verdict; by: string | null }> {
  for (const check of checks) {
    const verdict = await check.run(c);
    if (verdict.action !== 'continue') return { verdict, by: check.name };
  }
  return { verdict: ACCEPT, by: null };
}

export function inNetworks(ip: string, networks: string[]): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  return networks.some((net) => {
    try {
      const [range, bits] = net.includes('/') ? ipaddr.parseCIDR(net) : [ipaddr.process(net), ipaddr.process(net).kind() === 'ipv4' ? 32 : 128];
      const r = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range;
      return r.kind() === addr.kind() && addr.match(r as never, bits as number);
    } catch {
      return false;
    }
  });
}

/**
 * RFC 6531 §3.5: an internationalized address (non-ASCII local part) needs SMTPUTF8 on MAIL.
 * Only the local part is judged: smtp-server hands us the domain already converted to Unicode
 * (an ASCII A-label "xn--…" and its U-label look the same here), and both name the same domain.
 */
export function needsSmtpUtf8(address: string): boolean {
  return /[^\x00-\x7f]/.test(splitAddress(address).local);
}

/** RFC 6531 §3.5: 553 5.6.7 for a UTF-8 address without SMTPUTF8 (MAIL and RCPT alike). */
export const utf8Address: Check<MailContext | RcptContext> = {
  name: 'smtputf8',
  run: ({ address, smtpUtf8 }) => (!smtpUtf8 && needsSmtpUtf8(address) ? reject(REPLY.NON_ASCII_ADDRESS) : CONTINUE),
};

// ---------- MAIL FROM ----------

/** RFC 6409 §4.3 / RFC 4954: submission takes mail only from authenticated users. */
export const authRequired: Check<MailContext> = {
  name: 'auth_required',
  run: ({ session }) => (session.listener !== 'mx' && !session.user ? reject(REPLY.AUTH_REQUIRED) : CONTINUE),
};

/** An authenticated user sends only as one of its own addresses (policy enforceSenderAddress). */
export const senderOwned: Check<MailContext> = {
  name: 'sender_owned',
  run: async ({ session, address }) => {
    if (!session.user || !session.policy.enforceSenderAddress) return CONTINUE;
    if (!address) return reject(REPLY.SENDER_NOT_OWNED);
    return (await session.backend.ownsAddress(session.user, address)) ? CONTINUE : reject(REPLY.SENDER_NOT_OWNED);
  },
};

/**
 * Abuse limits (policy sendMessagesPerHour, sendRecipientsPerDay of the sender's domain):
 * a stolen password must not turn the server into a spam cannon. Counted from the receipts
 * in Postgres, so every daemon sees the same usage. 451 4.7.1: the client may try later.
 */
export const sendLimits: Check<MailContext> = {
  name: 'send_limits',
  run: async (c) => {
    const { session } = c;
    if (!session.user) return CONTINUE;
    const policy = await session.backend.policy(session.user.domainId);
    const { sendMessagesPerHour: perHour, sendRecipientsPerDay: perDay } = policy;
    if (!perHour && !perDay) return CONTINUE;
    const usage = await session.backend.sendUsage(session.user);
    if (perHour && usage.messagesLastHour >= perHour) {
      await session.backend.sendLimitReached(session.user, 'messages_per_hour', perHour);
      return reject(REPLY.SEND_LIMIT);
    }
    if (perDay && usage.recipientsLastDay >= perDay) {
      await session.backend.sendLimitReached(session.user, 'recipients_per_day', perDay);
      return reject(REPLY.SEND_LIMIT);
    }
    c.sending = { usage, recipientsPerDay: perDay };
    return CONTINUE;
  },
};

export const mailChecks: Check<MailContext>[] = [utf8Address, authRequired, senderOwned, sendLimits];

// ---------- RCPT TO ----------

/** RFC 5321 §4.5.3.1.10: past policy maxRecipients, "452 too many recipients". */
export const recipientLimit: Check<RcptContext> = {
  name: 'max_recipients',
  run: ({ session, accepted }) => (accepted >= session.policy.maxRecipients ? reject(REPLY.TOO_MANY_RECIPIENTS) : CONTINUE),
};

/** The daily recipient limit counts this transaction's recipients too. */
export const recipientBudget: Check<RcptContext> = {
  name: 'recipients_per_day',
  run: async ({ session, accepted, sending }) => {
    if (!session.user || !sending?.recipientsPerDay) return CONTINUE;
    if (sending.usage.recipientsLastDay + accepted < sending.recipientsPerDay) return CONTINUE;
    await session.backend.sendLimitReached(session.user, 'recipients_per_day', sending.recipientsPerDay);
    return reject(REPLY.SEND_LIMIT);
  },
};

/** Our domains: the recipient must exist, be enabled and have room. */
export const localRecipient: Check<RcptContext> = {
  name: 'local_recipient',
  run: async (c) => {
    const found = await c.lookup();
    switch (found.kind) {
      case 'local':
        return ACCEPT;
      case 'unknown':
        return reject(REPLY.NO_SUCH_USER);
      case 'disabled':
        return reject(REPLY.MAILBOX_DISABLED);
      case 'over_quota':
        return reject(REPLY.MAILBOX_FULL);
      case 'remote':
        return CONTINUE;
    }
  },
};

/** RFC 6647 greylisting of a local recipient, when its domain's policy turns it on. */
export const greylist: Check<RcptContext> = {
  name: 'greylist',
  run: async (c) => {
    const filter = c.session.filter;
    if (!filter) return CONTINUE;
    const found = await c.lookup();
    if (found.kind !== 'local' || !found.mailboxes.length) return CONTINUE;
    const domainIds = [...new Set(found.mailboxes.map((m) => m.domainId))];
    const verdict = await filter.recipient({ clientIp: c.session.clientIp, mailFrom: c.mailFrom, recipient: c.address, domainIds });
    return verdict.action === 'continue' ? CONTINUE : reject(verdict.reply);
  },
};

/** Anything else is relaying: only for authenticated users or the policy's relay networks. Never open. */
export const relay: Check<RcptContext> = {
  name: 'relay',
  run: ({ session }) => (session.user || session.relayClient ? ACCEPT : reject(REPLY.RELAY_DENIED)),
};

export const rcptChecks: Check<RcptContext>[] = [utf8Address, recipientLimit, recipientBudget, greylist, localRecipient, relay];

// ---------- end of DATA ----------

export interface DataContext {
  session: CheckSession;
  /** The message as the client sent it (before our Return-Path and Received). */
  body: Buffer;
}

/**
 * The addresses a message claims as its author: every From: address, and the Sender: when
 * RFC 5322 §3.6.2 requires one (From: lists several). null when that cannot be told: no From:,
 * more than one From: or Sender: field (§3.6 allows one each; a reader shows one, a checker
 * might see the other), a group or an address without a domain, or several From: without a
 * single-mailbox Sender:.
 */
export function authorAddresses(body: Buffer): string[] | null {
  const fields = parseHeader(body, 0, findBodyStart(body, 0, body.length));
  const from = fields.filter((f) => f.key === 'from');
  const sender = fields.filter((f) => f.key === 'sender');
  if (from.length !== 1 || sender.length > 1) return null;
  const list = (value: string): string[] | null => {
    const parsed = parseAddressList(value);
    if (!parsed) return null;
    const out: string[] = [];
    for (const a of parsed) {
      if (!a.mailbox || !a.host || a.host === 'MISSING_DOMAIN' || a.mailbox === 'MISSING_MAILBOX') return null; // groups, bare names
      out.push(`${a.mailbox}@${a.host}`);
    }
    return out;
  };
  const authors = list(from[0].value);
  if (!authors) return null;
  if (!sender.length) return authors.length === 1 ? authors : null;
  const s = list(sender[0].value);
  if (!s || s.length !== 1) return null;
  return [...authors, ...s];
}

/**
 * Policy requireHeaderFromOwned: an authenticated user's message names only the user's own
 * addresses (the same rule as MAIL FROM: backend.ownsAddress) as its author, so a stolen or
 * shared password cannot send mail that shows another mailbox's name and passes DMARC as ours.
 */
export const headerFromOwned: Check<DataContext> = {
  name: 'header_from_owned',
  run: async ({ session, body }) => {
    if (!session.user || !session.policy.requireHeaderFromOwned) return CONTINUE;
    const authors = authorAddresses(body);
    if (!authors) return reject(REPLY.HEADER_FROM_NOT_OWNED);
    for (const a of authors) if (!(await session.backend.ownsAddress(session.user, a))) return reject(REPLY.HEADER_FROM_NOT_OWNED);
    return CONTINUE;
  },
};

export const dataChecks: Check<DataContext>[] = [headerFromOwned];
