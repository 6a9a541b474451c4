// What the queue runner hands the transport and what it gets back. The runner owns the
// queue (claims, retries, bounces); the transport owns the wire (routing, TLS policy,
// the SMTP client) and never touches the database.

/** How strictly a destination's TLS is required (RFC 3207 opportunistic by default). */
export type TlsRequirement = 'opportunistic' | 'require-tls' | 'require-verified';

/** How the peer's certificate was judged on the connection that carried the attempt. */
export type TlsVerification = 'dane' | 'mta-sts' | 'pkix' | 'unverified' | 'none';

/** A relay that takes all outbound mail (for sites whose provider blocks port 25). */
export interface Smarthost {
  host: string;
  port: number;
  /** 'implicit' is TLS from the first byte (RFC 8314 §3), 'starttls' upgrades (RFC 3207). */
  security: 'implicit' | 'starttls';
  username?: string;
  password?: string;
}

/** RFC 3461 parameters carried from submission to the next hop. */
export interface RecipientDsn {
  /** NOTIFY=…; null when the client gave none. */
  notify: string[] | null;
  /** ORCPT=type;addr, as received. */
  orcpt: string | null;
}

export interface DeliveryRequest {
  /** The recipient domain (lowercase, A-label), the routing key. */
  domain: string;
  /** Envelope sender; '' is the null reverse-path (bounces). */
  mailFrom: string;
  recipients: Array<{ address: string; dsn?: RecipientDsn }>;
  /** The message as stored, CRLF line ends; the client dot-stuffs it. */
  raw: Buffer;
  /** RFC 3461 RET and ENVID for the MAIL command, when the peer offers DSN. */
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
  tls: TlsRequirement;
  /** When set, the message goes to this relay instead of the domain's MX. */
  smarthost?: Smarthost | null;
}

/** One recipient's result: sent (2xx), deferred (4xx, connection or policy failure), failed (5xx). */
export interface RecipientOutcome {
  address: string;
  outcome: 'sent' | 'deferred' | 'failed';
  /** SMTP reply code, or null when no reply was received (DNS, connection, TLS). */
  code: number | null;
  /** RFC 3463 enhanced status code, e.g. '5.1.1' (synthesised when the peer gave none). */
  enhanced: string;
  /** The reply text or our own explanation, one line, for the admin and the DSN. */
  reply: string;
}

/** Facts about the connection that carried (or failed to carry) the attempt. */
export interface AttemptFacts {
  mxHost: string | null;
  ip: string | null;
  port: number | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  verification: TlsVerification;
  /** MTA-STS mode of the destination when a policy was found. */
  mtaSts: 'enforce' | 'testing' | null;
  /**
   * Whether the server that took the transaction announced the DSN extension (RFC 3461),
   * so NOTIFY and ORCPT went on with the recipients; unset when no transaction was held.
   */
  nextHopDsn?: boolean;
  durationMs: number;
}

export interface DeliveryResult {
  outcomes: RecipientOutcome[];
  attempt: AttemptFacts;
}

export interface Transport {
  /** Never throws: every failure becomes deferred or failed outcomes. */
  deliver(request: DeliveryRequest): Promise<DeliveryResult>;
  /** Closes idle reused connections. */
  close(): Promise<void>;
}
