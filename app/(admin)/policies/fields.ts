// Every field the policies page shows: where it lives in the settings object,
// a one-line explanation and the RFC behind it. The page, the form parser and
// the tests all read this one table, so a field cannot be shown but not saved.
// Over 300 lines: it is that one table.

export type PolicyFieldKind =
  | 'boolean'
  | 'tls-version'
  | 'bytes'
  | 'integer'
  | 'cidr-list'
  | 'text'
  /** one of OUTBOUND_TLS */
  | 'outbound-tls'
  /** a list of { domain, tls }: form names `<path>.<i>.domain` and `<path>.<i>.tls` */
  | 'tls-rules'
  /** the relay subsection: form names `smarthost.<key>` (SMARTHOST_KEYS) */
  | 'smarthost'
  /** one of `options` (a select) */
  | 'choice'
  /** DNS zones, one per line */
  | 'zone-list'
  /** a DNS record's text, checked by the policy schema (e.g. starts with v=spf1) */
  | 'record'
  /** a mail address, or empty for the default the help names */
  | 'address';

export interface PolicyField {
  /** Dotted path in the settings object, also the form field name. */
  path: string;
  label: string;
  help: string;
  /** Shown after the control: what the number counts ("seconds", "hours"). */
  unit?: string;
  rfc?: { label: string; href: string };
  kind: PolicyFieldKind;
  min?: number;
  max?: number;
  /** kind "choice": the values in order, with what the select shows */
  options?: readonly { value: string; label: string }[];
  placeholder?: string;
  /**
   * Applies server-wide only: decided before the recipient's domain is known (TLS
   * handshake, STARTTLS, MAIL FROM, RCPT count) or about admins. Per-domain overrides
   * are offered only for what the daemon and the services read per domain.
   */
  globalOnly?: boolean;
}

export interface PolicyGroup {
  title: string;
  fields: PolicyField[];
}

const rfc = (n: number, section?: string) => ({
  label: `RFC ${n}${section ? ` §${section}` : ''}`,
  href: `https://www.rfc-editor.org/rfc/rfc${n}${section ? `#section-${section}` : ''}`,
});

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

/** Outbound TLS requirements (lib/policy/schema.ts), weakest first, with what the select shows. */
export const OUTBOUND_TLS = ['opportunistic', 'require-tls', 'require-verified'] as const;
export type OutboundTls = (typeof OUTBOUND_TLS)[number];
export const OUTBOUND_TLS_LABEL: Record<OutboundTls, string> = {
  opportunistic: 'Opportunistic: STARTTLS when offered',
  'require-tls': 'Require TLS (any certificate)',
  'require-verified': 'Require TLS with a verified certificate',
};

export const SMARTHOST_SECURITY = ['starttls', 'implicit'] as const;
export const SMARTHOST_SECURITY_LABEL: Record<(typeof SMARTHOST_SECURITY)[number], string> = {
  starttls: 'STARTTLS (usually port 587)',
  implicit: 'Implicit TLS (usually port 465)',
};

/** The smarthost subsection's form names, `smarthost.<key>`; `passwordSet` is display only. */
export const SMARTHOST_KEYS = ['enabled', 'host', 'port', 'security', 'username', 'password', 'clearPassword', 'domains', 'passwordSet'] as const;
export type SmarthostKey = (typeof SMARTHOST_KEYS)[number];
export const smarthostName = (key: SmarthostKey) => `smarthost.${key}`;

export const POLICY_GROUPS: PolicyGroup[] = [
  {
    title: 'Transport security',
    fields: [
      {
        path: 'requireTlsMx',
        label: 'Require TLS on the MX port',
        help: 'Answer 530 "Must issue a STARTTLS command first" to senders that do not upgrade; only for a private server whose peers all support STARTTLS.',
        rfc: rfc(3207, '4'),
        kind: 'boolean',
        globalOnly: true,
      },
      {
        path: 'minTlsVersion',
        label: 'Minimum TLS version',
        help: 'Older protocol versions are refused on every TLS listener. TLS 1.2 is the floor RFC 8314 recommends.',
        rfc: rfc(8314, '4.1'),
        kind: 'tls-version',
        globalOnly: true,
      },
      {
        path: 'allowCleartextAuth',
        label: 'Allow password login without TLS',
        help: 'Lets IMAP and submission clients send passwords before STARTTLS. Off by default; RFC 8314 asks for encrypted connections for all mail access.',
        rfc: rfc(8314, '5.1'),
        kind: 'boolean',
        globalOnly: true,
      },
    ],
  },
  {
    title: 'Messages',
    fields: [
      {
        path: 'maxMessageBytes',
        label: 'Maximum message size',
        help: 'Announced in the SMTP SIZE extension; larger messages are refused with 552. Accepts units: 25M, 50MiB, 1G.',
        rfc: rfc(1870),
        kind: 'bytes',
      },
      {
        path: 'maxRecipients',
        label: 'Maximum recipients per message',
        help: 'RCPT TO commands beyond this count are answered 452 "Too many recipients"; RFC 5321 requires accepting at least 100.',
        rfc: rfc(5321, '4.5.3.1.8'),
        kind: 'integer',
        globalOnly: true,
        min: 1,
        max: 10000,
      },
      {
        path: 'relayNetworks',
        label: 'Relay networks',
        help: 'Client networks (CIDR, one per line) allowed to send to outside domains without logging in. Leave empty unless you must: an open relay gets you blocklisted.',
        rfc: rfc(5321, '3.6.2'),
        kind: 'cidr-list',
        globalOnly: true,
      },
      {
        path: 'recipientDelimiter',
        label: 'Recipient delimiter',
        help: 'The character that starts a tag in plus-addressing: mail to alice+news@example.org reaches alice@example.org. Empty turns tags off.',
        rfc: rfc(5233),
        kind: 'text',
      },
      {
        path: 'enforceSenderAddress',
        label: 'Senders may only use their own addresses',
        help: 'An authenticated user may only send with a MAIL FROM that is their mailbox or an alias pointing to it.',
        rfc: rfc(6409, '6.1'),
        kind: 'boolean',
        globalOnly: true,
      },
    ],
  },
  {
    title: 'Accounts',
    fields: [
      {
        path: 'password.minLength',
        label: 'Minimum password length',
        help: 'Applies to new and reset mailbox and admin passwords.',
        kind: 'integer',
        min: 6,
        max: 128,
      },
      {
        path: 'password.minClasses',
        label: 'Character classes required',
        help: 'How many of lower case, upper case, digits and symbols a password must contain (1–4).',
        kind: 'integer',
        min: 1,
        max: 4,
      },
      {
        path: 'defaultQuotaBytes',
        label: 'Default mailbox quota',
        help: 'Pre-filled when a mailbox is created or imported without a quota. Accepts units: 500M, 1G, 10GiB.',
        kind: 'bytes',
      },
      {
        path: 'requireTotp',
        label: 'Require a second factor for admins',
        help: 'Admins without an authenticator app are sent to enrol one (TOTP) before they can use the panel.',
        rfc: rfc(6238),
        kind: 'boolean',
        globalOnly: true,
      },
      {
        path: 'requireAppPasswords',
        label: 'Mail clients need app passwords',
        help: 'IMAP, SMTP and POP3 refuse the mailbox password; users create a password per device in their self-service area (/account).',
        kind: 'boolean',
      },
      {
        path: 'allowForwarding',
        label: 'Users may forward their mail',
        help: 'Mailbox owners may set up to 5 forwarding addresses in their self-service area. Off: existing forwarding stops.',
        kind: 'boolean',
      },
    ],
  },
  {
    title: 'Brute-force protection',
    fields: [
      {
        path: 'bruteForce.maxFailures',
        label: 'Failed logins before lockout',
        help: 'Counted per client IP and per account, across SMTP, IMAP and the panel.',
        kind: 'integer',
        min: 1,
        max: 1000,
      },
      {
        path: 'bruteForce.windowSeconds',
        label: 'Counting window (seconds)',
        help: 'Failures older than this no longer count.',
        kind: 'integer',
        min: 1,
        max: 86400,
      },
      {
        path: 'bruteForce.lockoutSeconds',
        label: 'Lockout (seconds)',
        help: 'How long a locked IP or account is refused, even with the right password.',
        kind: 'integer',
        min: 1,
        max: 86400 * 7,
      },
    ],
  },
  {
    title: 'Outbound delivery',
    fields: [
      {
        path: 'retryBaseSeconds',
        label: 'First retry after',
        unit: 'seconds',
        help: 'After a temporary failure (4xx, no answer) the first retry waits this long, and each further wait doubles, up to the longest wait below.',
        rfc: rfc(5321, '4.5.4.1'),
        kind: 'integer',
        globalOnly: true,
        min: 1,
        max: 86400,
      },
      {
        path: 'retryMaxSeconds',
        label: 'Longest wait between attempts',
        unit: 'seconds',
        help: 'The doubling stops here: a message that keeps failing is retried at this interval until it expires (14400 = every 4 hours).',
        kind: 'integer',
        globalOnly: true,
        min: 1,
        max: 86400,
      },
      {
        path: 'queueLifetimeHours',
        label: 'Give up after',
        unit: 'hours',
        help: 'Mail still undelivered this long after it was queued is returned to its sender as a bounce; RFC 5321 asks for at least 4–5 days (120 hours).',
        rfc: rfc(5321, '4.5.4.1'),
        kind: 'integer',
        globalOnly: true,
        min: 1,
        max: 720,
      },
      {
        path: 'delayWarningHours',
        label: 'Warn the sender after',
        unit: 'hours',
        help: 'A message still queued after this long sends its sender one delay notice (the mail keeps being retried); 0 sends none.',
        rfc: rfc(3464),
        kind: 'integer',
        globalOnly: true,
        min: 0,
        max: 720,
      },
      {
        path: 'outboundTls',
        label: 'TLS to other servers',
        help: 'Opportunistic sends in cleartext when the receiver offers no STARTTLS; "require" defers such mail instead; "verified" also needs a certificate checked by DANE, MTA-STS or a public CA.',
        rfc: rfc(3207),
        kind: 'outbound-tls',
        globalOnly: true,
      },
      {
        path: 'outboundTlsRules',
        label: 'Per-destination TLS',
        help: 'Recipient domains with their own requirement, which replaces the one above for mail to exactly that domain (e.g. require a verified certificate for a partner).',
        kind: 'tls-rules',
        globalOnly: true,
      },
      {
        path: 'smarthost',
        label: 'Smarthost (relay)',
        help: 'Send outbound mail through your provider\'s submission server instead of each domain\'s MX, e.g. when port 25 is blocked. Turning it off forgets the stored password.',
        rfc: rfc(6409),
        kind: 'smarthost',
        globalOnly: true,
      },
    ],
  },
  {
    title: 'Inbound checks',
    fields: [
      {
        path: 'authChecks',
        label: 'Check SPF, DKIM, DMARC and ARC on arrival',
        help: 'Mail from other servers is checked when it arrives and the results are written on top of it as an Authentication-Results header; the Authentication page counts them.',
        rfc: rfc(8601),
        kind: 'boolean',
      },
      {
        path: 'dmarcEnforce',
        label: 'Apply the sender\'s DMARC policy',
        help: 'When a message fails DMARC, do what its sender domain asks: p=reject is refused with 550, p=quarantine goes to Junk. Off: only noted in the header.',
        rfc: rfc(7489, '6.3'),
        kind: 'boolean',
      },
      {
        path: 'spfFailAction',
        label: 'When SPF fails',
        help: 'For mail whose sender domain says "-all" about the sending server and that has no valid DKIM signature. Refusing is strict: forwarded mail often fails SPF.',
        rfc: rfc(7208, '8.4'),
        kind: 'choice',
        options: [
          { value: 'none', label: 'Only note it in the header' },
          { value: 'junk', label: 'Deliver to Junk' },
          { value: 'reject', label: 'Refuse it (550 5.7.23)' },
        ],
      },
      {
        path: 'dnsblZones',
        label: 'DNS blocklists',
        help: 'Blocklist zones (one per line, e.g. zen.spamhaus.org) asked about every connecting server; a listed server is refused before it can send. Empty: none.',
        rfc: rfc(5782),
        kind: 'zone-list',
        globalOnly: true,
        placeholder: 'zen.spamhaus.org',
      },
      {
        path: 'greylisting.enabled',
        label: 'Greylisting',
        help: 'Ask a server sending for the first time to try again later; real servers retry, many spam senders do not. Delays first mail from a new sender by minutes.',
        rfc: rfc(6647),
        kind: 'boolean',
      },
      {
        path: 'greylisting.delaySeconds',
        label: 'Greylisting: retry accepted after',
        unit: 'seconds',
        help: 'A retry that comes sooner than this is asked to wait again.',
        kind: 'integer',
        min: 1,
        max: 86400,
      },
      {
        path: 'greylisting.retryWindowHours',
        label: 'Greylisting: retry must come within',
        unit: 'hours',
        help: 'A sender that retries later than this starts over, as if it were new.',
        kind: 'integer',
        min: 1,
        max: 720,
      },
      {
        path: 'greylisting.passDays',
        label: 'Greylisting: remember a sender for',
        unit: 'days',
        help: 'A sender that passed once is let through at once for this many days after its last message.',
        kind: 'integer',
        min: 1,
        max: 365,
      },
    ],
  },
  {
    title: 'DKIM',
    fields: [
      {
        path: 'dkimRetireGraceDays',
        label: 'Keep a replaced key published for',
        unit: 'days',
        help: 'After a DKIM key is rotated, the old key\'s DNS record stays this long so mail signed just before the change still verifies; then the key is retired.',
        rfc: rfc(6376, '3.6.1'),
        kind: 'integer',
        min: 0,
        max: 365,
      },
    ],
  },
  {
    title: 'Certificates',
    fields: [
      {
        path: 'renewDaysBefore',
        label: 'Renew certificates before they expire',
        unit: 'days',
        help: 'Certificates of the internal CA and from ACME are renewed automatically this many days before their expiry date, keeping their key.',
        rfc: rfc(8555, '7.4'),
        kind: 'integer',
        globalOnly: true,
        min: 1,
        max: 365,
      },
    ],
  },
  {
    title: 'DNS records',
    fields: [
      {
        path: 'spfRecord',
        label: 'SPF record',
        help: 'The TXT record the DNS page asks each domain to publish: which servers may send its mail. "v=spf1 mx -all": only the domain\'s MX hosts.',
        rfc: rfc(7208),
        kind: 'record',
        placeholder: 'v=spf1 mx -all',
      },
      {
        path: 'dmarc.policy',
        label: 'DMARC policy',
        help: 'What the DMARC record asks other servers to do with mail that claims to be from the domain but fails SPF and DKIM.',
        rfc: rfc(7489, '6.3'),
        kind: 'choice',
        options: [
          { value: 'none', label: 'none: only report' },
          { value: 'quarantine', label: 'quarantine: to spam' },
          { value: 'reject', label: 'reject: refuse' },
        ],
      },
      {
        path: 'dmarc.reportAddress',
        label: 'DMARC reports to',
        help: 'The mailbox that receives other servers\' daily DMARC reports (rua=). Empty: postmaster@ the domain.',
        rfc: rfc(7489, '7.2'),
        kind: 'address',
        placeholder: 'postmaster@<domain>',
      },
      {
        path: 'mtaSts.mode',
        label: 'MTA-STS mode',
        help: 'Tells other servers to send to the domain only over verified TLS: "testing" only reports failures, "enforce" makes them refuse to deliver without it, "none" publishes no policy.',
        rfc: rfc(8461, '5'),
        kind: 'choice',
        options: [
          { value: 'none', label: 'none: no policy' },
          { value: 'testing', label: 'testing: report only' },
          { value: 'enforce', label: 'enforce: verified TLS only' },
        ],
      },
      {
        path: 'mtaSts.maxAgeSeconds',
        label: 'MTA-STS policy cached for',
        unit: 'seconds',
        help: 'How long other servers keep the policy (604800 = a week); at least a day, at most a year.',
        rfc: rfc(8461, '3.2'),
        kind: 'integer',
        min: 86400,
        max: 31557600,
      },
      {
        path: 'tlsRptAddress',
        label: 'TLS reports to',
        help: 'The address the TLS-RPT record names: other servers\' TLS reports sent there are read for the TLS page. Empty: postmaster@ the domain.',
        rfc: rfc(8460),
        kind: 'address',
        placeholder: 'tls-reports@example.org',
      },
    ],
  },
];

export const POLICY_FIELDS: PolicyField[] = POLICY_GROUPS.flatMap((g) => g.fields);

/** The value at a dotted path, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Sets a dotted path, creating the objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** The limits of a number field, stated beside it before any submit: "A whole number from 1 to 10,000 days." */
export function limitsText(field: PolicyField): string | null {
  if (field.kind !== 'integer' || field.min === undefined || field.max === undefined) return null;
  const unit = field.unit ? ` ${field.unit}` : '';
  return `A whole number from ${field.min.toLocaleString('en')} to ${field.max.toLocaleString('en')}${unit}.`;
}
