import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const cidr = z.string().trim().refine((v) => {
  try {
    ipaddr.parseCIDR(v);
    return true;
  } catch {
    return ipaddr.isValid(v); // a bare address means /32 or /128
  }
}, 'not an IP network (e.g. 192.0.2.0/24)');

const outboundTls = z.enum(['opportunistic', 'require-tls', 'require-verified']);

// Every knob the daemon and the panel read. Stored rows hold only the keys an admin
// set; parsing fills the rest from these defaults, so adding a field (with a default)
// needs no migration. New fields go here, always with a default.
export const policySchema = z.object({
  /** RFC 3207: refuse MAIL on the MX port before STARTTLS (530 5.7.0). For private servers. */
  requireTlsMx: z.boolean().default(false),
  /** RFC 8996/8314: the oldest TLS version the listeners accept. */
  minTlsVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  /** RFC 8314: allow AUTH/LOGIN without TLS (off: credentials never cross in the clear). */
  allowCleartextAuth: z.boolean().default(false),
  /** RFC 1870 SIZE limit, bytes. */
  maxMessageBytes: z.number().int().min(1024).max(2 * GiB).default(50 * MiB),
  /** RCPT TO commands per transaction (RFC 5321 §4.5.3.1.8 requires at least 100 be possible). */
  maxRecipients: z.number().int().min(1).max(10_000).default(100),
  /** Networks allowed to relay without AUTH. Empty: nobody, not even loopback. */
  relayNetworks: z.array(cidr).max(1000).default([]),
  /** Plus-addressing separator ("alice+tag@"); empty turns it off. */
  recipientDelimiter: z.string().regex(/^[+\-_.=]?$/, 'one of + - _ . = or empty').default('+'),
  /** Authenticated senders may only use their own addresses (or aliases to them) in MAIL FROM. */
  enforceSenderAddress: z.boolean().default(true),
  /**
   * Authenticated submissions: every header From: address (and Sender:, required by RFC 5322
   * §3.6.2 when From: lists several) must be one of the user's own addresses or aliases to them,
   * else 550 5.7.1 at the end of DATA. The default is off because a default here reaches existing
   * installs too (stored rows hold only the keys an admin set) and would refuse their scripts' and
   * clients' mail overnight; a new install turns it on by storing `true` at setup.
   */
  requireHeaderFromOwned: z.boolean().default(false),
  bruteForce: z
    .object({
      maxFailures: z.number().int().min(1).max(1000).default(5),
      windowSeconds: z.number().int().min(1).max(86_400).default(900),
      lockoutSeconds: z.number().int().min(1).max(86_400 * 7).default(900),
    })
    .prefault({}),
  password: z
    .object({
      minLength: z.number().int().min(6).max(128).default(12),
      minClasses: z.number().int().min(1).max(4).default(3),
    })
    .prefault({}),
  /** Quota for new mailboxes when none is given, bytes; 0 = unlimited. */
  defaultQuotaBytes: z.number().int().min(0).max(2 ** 50).default(GiB),
  /** Admins must enrol TOTP before using the panel. */
  requireTotp: z.boolean().default(false),
  /** IMAP, SMTP AUTH and POP3 take only app passwords (lib/app-passwords): the mailbox password opens the self-service area alone. */
  requireAppPasswords: z.boolean().default(false),
  /** Mailbox owners may forward their mail (self-service), to at most 5 addresses outside their own domain's loops. */
  allowForwarding: z.boolean().default(false),
  /** Internal-CA and ACME certificates are renewed automatically this many days before they expire (mail-daemon/tls/renewal.ts). */
  renewDaysBefore: z.number().int().min(1).max(365).default(30),
  /** Outbound retries (mail-daemon/outbound/schedule.ts): the wait after the first temporary failure, seconds; it doubles each attempt. */
  retryBaseSeconds: z.number().int().min(1).max(86_400).default(300),
  /** The longest wait between two delivery attempts, seconds. */
  retryMaxSeconds: z.number().int().min(1).max(86_400).default(14_400),
  /** RFC 5321 §4.5.4.1: how long outbound mail is retried before it bounces, hours (Postfix: 5 days). */
  queueLifetimeHours: z.number().int().min(1).max(720).default(120),
  /** After this many hours in the queue the sender gets one RFC 3464 delay notice; 0 = never. */
  delayWarningHours: z.number().int().min(0).max(720).default(4),
  /** Sent and bounced outbound mail (and its attempts) stays this many days for the queue page and the delivery log. */
  outboundRetentionDays: z.number().int().min(1).max(3650).default(30),
  /** TLS on outbound connections: opportunistic STARTTLS (RFC 3207), or required, or required with a verified certificate. */
  outboundTls: outboundTls.default('opportunistic'),
  /** Per-destination TLS rules that override outboundTls for one recipient domain. */
  outboundTlsRules: z.array(z.object({ domain: z.string().trim().toLowerCase().min(1).max(253), tls: outboundTls })).max(1000).default([]),
  /** Abuse limit: messages an authenticated mailbox may submit per hour; 0 = no limit. Past it: 451 4.7.1. */
  sendMessagesPerHour: z.number().int().min(0).max(1_000_000).default(200),
  /** Abuse limit: recipients (all messages of the last 24 hours) per authenticated mailbox; 0 = no limit. */
  sendRecipientsPerDay: z.number().int().min(0).max(10_000_000).default(2000),
  /** Checks on arrival at the MX port (SPF, DKIM, DMARC, ARC), written as one Authentication-Results header (RFC 8601). */
  authChecks: z.boolean().default(true),
  /** RFC 7489 §6.3: honour the sender domain's DMARC policy: p=reject refused with 550 5.7.1, p=quarantine into Junk. */
  dmarcEnforce: z.boolean().default(true),
  /**
   * An SPF fail (RFC 7208 §8.4, the domain's "-all") with no passing DKIM signature: only noted in the
   * header, into Junk, or refused (550 5.7.23, RFC 7372). Not refused by default: forwarding breaks SPF.
   */
  spfFailAction: z.enum(['none', 'junk', 'reject']).default('junk'),
  /** DNS blocklists (RFC 5782) checked at connect on the MX port, e.g. zen.spamhaus.org: a listed client gets 554 5.7.1 naming the list. */
  dnsblZones: z.array(z.string().trim().toLowerCase().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, 'a DNS zone, e.g. zen.spamhaus.org')).max(20, 'at most 20 zones').default([]),
  /** RFC 6647 greylisting on the MX port, keyed on the client's /24 (IPv6 /64), the sender and the recipient. */
  greylisting: z
    .object({
      enabled: z.boolean().default(false),
      /** A new triplet is answered 451 4.7.1 until this many seconds have passed. */
      delaySeconds: z.number().int().min(1).max(86_400).default(300),
      /** A retry must come within this many hours of the first attempt, or the triplet starts again. */
      retryWindowHours: z.number().int().min(1).max(720).default(24),
      /** A triplet that passed passes at once for this many days after it was last seen. */
      passDays: z.number().int().min(1).max(365).default(36),
    })
    .prefault({}),
  /** DKIM rotation: how many days a replaced key stays "retiring" (its record still published) before it is retired. */
  dkimRetireGraceDays: z.number().int().min(0).max(365).default(7),
  /** The SPF record the DNS page asks each domain to publish (RFC 7208). */
  spfRecord: z.string().trim().regex(/^v=spf1( |$)/, 'starts with v=spf1').max(450).default('v=spf1 mx -all'),
  /** The DMARC record the DNS page asks for (RFC 7489 §6.3): the policy, and where aggregate reports go (empty: postmaster@<domain>). */
  dmarc: z
    .object({
      policy: z.enum(['none', 'quarantine', 'reject']).default('quarantine'),
      reportAddress: z.string().trim().toLowerCase().max(320).default(''),
    })
    .prefault({}),
  /** RFC 8461 MTA-STS policy served at https://mta-sts.<domain>/.well-known/mta-sts.txt (none: no policy served, no record asked for). */
  mtaSts: z
    .object({
      mode: z.enum(['none', 'testing', 'enforce']).default('testing'),
      /** RFC 8461 §3.2 max_age, seconds (at most 31557600). */
      maxAgeSeconds: z.number().int().min(86_400).max(31_557_600).default(604_800),
    })
    .prefault({}),
  /** RFC 8460 TLS-RPT: the address the `_smtp._tls` record names, whose mail is read for TLS reports (empty: postmaster@<domain>). */
  tlsRptAddress: z.string().trim().toLowerCase().max(320).default(''),
  /**
   * A relay for outbound mail, for sites whose provider blocks port 25 (null: deliver to
   * each domain's MX). The password is stored sealed with the master key, never in clear.
   */
  smarthost: z
    .object({
      host: z.string().trim().toLowerCase().min(1).max(253),
      port: z.number().int().min(1).max(65535).default(587),
      /** RFC 8314 implicit TLS (465) or RFC 3207 STARTTLS (587). */
      security: z.enum(['implicit', 'starttls']).default('starttls'),
      username: z.string().max(320).default(''),
      passwordSealed: z.string().max(4096).default(''),
      /** Recipient domains sent through it; empty: all outbound mail. */
      domains: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(1000).default([]),
    })
    .nullable()
    .default(null),
});

export type Policy = z.infer<typeof policySchema>;

// The schema without its defaults: a stored override must not grow keys the admin never set.
function withoutDefault(t: z.ZodType): z.ZodType {
  const def = (t as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  return def.type === 'default' || def.type === 'prefault' ? withoutDefault(def.innerType!) : t;
}

function partialOf(shape: Record<string, z.ZodType>): z.ZodObject {
  const out: Record<string, z.ZodType> = {};
  for (const [key, type] of Object.entries(shape)) {
    const inner = withoutDefault(type);
    out[key] = (inner instanceof z.ZodObject ? partialOf(inner.shape) : inner).optional();
  }
  return z.object(out).strict();
}

/** What a stored row may contain: any subset of the keys (nested objects partially too). */
export const policyOverrideSchema = partialOf(policySchema.shape) as unknown as z.ZodType<PolicyOverride>;

export type PolicyOverride = Partial<Omit<Policy, 'bruteForce' | 'password' | 'greylisting' | 'dmarc' | 'mtaSts'>> & {
  bruteForce?: Partial<Policy['bruteForce']>;
  password?: Partial<Policy['password']>;
  greylisting?: Partial<Policy['greylisting']>;
  dmarc?: Partial<Policy['dmarc']>;
  mtaSts?: Partial<Policy['mtaSts']>;
};

export const DEFAULT_POLICY: Policy = policySchema.parse({});
