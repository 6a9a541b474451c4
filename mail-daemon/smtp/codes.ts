// Every reply Postern's own SMTP code sends, as named constants with the RFC that
// defines it. Handlers never write "550 …" literals: they return one of these.
// Enhanced status codes are RFC 3463 (registry: RFC 5248); smtp-server adds its own
// to the replies it produces itself (syntax errors, bad sequence…).

export interface Reply {
  code: number;
  /** RFC 3463 enhanced status code, e.g. "5.7.1". */
  enhanced: string;
  text: string;
}

const reply = (code: number, enhanced: string, text: string): Reply => ({ code, enhanced, text });

export const REPLY = {
  // RFC 3207 §4: STARTTLS.
  /** §4: "454 TLS not available due to temporary reason". */
  TLS_NOT_AVAILABLE: reply(454, '4.7.0', 'TLS not available due to temporary reason'),
  /** §4: a server that requires TLS answers everything but NOOP, EHLO, STARTTLS, QUIT with this. */
  MUST_STARTTLS: reply(530, '5.7.0', 'Must issue a STARTTLS command first'),

  // RFC 4954 §6: AUTH.
  /** §6: the submission port takes no mail before the client authenticated. */
  AUTH_REQUIRED: reply(530, '5.7.0', 'Authentication required'),
  /** §6: same reply for an unknown user and a wrong password. */
  AUTH_INVALID: reply(535, '5.7.8', 'Authentication credentials invalid'),
  /** §6: temporary failure; used while the brute-force throttle locks the IP or account. */
  AUTH_TEMPFAIL: reply(454, '4.7.0', 'Temporary authentication failure, try again later'),
  AUTH_OK: reply(235, '2.7.0', 'Authentication successful'),

  // RFC 5321 §3.3, §4.2.2, §4.5.3.1.10; RFC 3463 §3.
  SENDER_OK: reply(250, '2.1.0', 'Sender OK'),
  RECIPIENT_OK: reply(250, '2.1.5', 'Recipient OK'),
  /** RFC 5321 553 + RFC 3463 5.7.1: an authenticated user may only send as itself. */
  SENDER_NOT_OWNED: reply(553, '5.7.1', 'Sender address not owned by the authenticated user'),
  /** RFC 5321 554 + RFC 3463 5.7.1: no relaying for unauthenticated strangers. */
  RELAY_DENIED: reply(554, '5.7.1', 'Relay access denied'),
  /** RFC 3463 5.1.1: bad destination mailbox address. */
  NO_SUCH_USER: reply(550, '5.1.1', 'No such user here'),
  /** RFC 3463 5.2.1: mailbox disabled, not accepting messages. */
  MAILBOX_DISABLED: reply(550, '5.2.1', 'Mailbox disabled, not accepting messages'),
  /** RFC 5321 452 + RFC 3463 4.2.2: mailbox full (temporary: it may be emptied). */
  MAILBOX_FULL: reply(452, '4.2.2', 'Mailbox full'),
  /** RFC 3463 4.7.1: an authenticated sender reached the policy's hourly messages or daily recipients. */
  SEND_LIMIT: reply(451, '4.7.1', 'Sending limit reached, try again later'),
  /** RFC 5321 §4.5.3.1.10: "452 Too many recipients" (RFC 3463 4.5.3). */
  TOO_MANY_RECIPIENTS: reply(452, '4.5.3', 'Too many recipients'),
  /** RFC 1870 §6.2 / RFC 5321: 552 message size exceeds fixed maximum (RFC 3463 5.3.4). */
  MESSAGE_TOO_BIG: reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'),
  /** RFC 5321 §2.3.8 / §4.1.1.4: lines end with CRLF only; bare CR or LF is refused (SMTP smuggling). */
  BARE_LINE_ENDING: reply(550, '5.5.2', 'Bare CR or LF in message data is not allowed, use CRLF'),
  /**
   * RFC 5321 §4.3.2 (554 after DATA) + RFC 3463 5.6.0 "other or undefined media error": a NUL
   * octet in the message. RFC 5322 §2.1/§3.5 and RFC 2045 §2.7/§2.8 allow NUL in neither 7bit nor
   * 8bit data; only BINARYMIME (RFC 3030), which we do not offer, could carry one.
   */
  NUL_IN_DATA: reply(554, '5.6.0', 'NUL characters in message data are not allowed'),
  /**
   * RFC 6531 §3.5: a non-ASCII address in MAIL or RCPT without the SMTPUTF8 parameter on MAIL
   * gets 553, with enhanced code X.6.7 (RFC 5248 registry) "Non-ASCII addresses not permitted
   * for that sender/recipient".
   */
  NON_ASCII_ADDRESS: reply(553, '5.6.7', 'Non-ASCII address not permitted without SMTPUTF8'),
  /**
   * RFC 5321 §4.3.2 (550 after DATA: "rejections for policy reasons") + RFC 3463 5.7.1: policy
   * requireHeaderFromOwned, the header From: (and Sender:) of an authenticated submission must be
   * the user's own addresses. 553 is a MAIL/RCPT reply, not one §4.3.2 lists after DATA.
   */
  HEADER_FROM_NOT_OWNED: reply(550, '5.7.1', 'Header From address not owned by the authenticated user'),
  /** RFC 5321 451 + RFC 3463 4.3.0: local error in processing (database unavailable…). */
  LOCAL_ERROR: reply(451, '4.3.0', 'Local error in processing, try again later'),
  /** RFC 5321 §3.8: 421 at connect when the session cannot be set up (database down). */
  SERVICE_UNAVAILABLE: reply(421, '4.3.0', 'Service temporarily unavailable, try again later'),
  /** RFC 5321 §3.8 / RFC 3463 4.7.0: refused at connect, too many connections from this address. */
  TOO_MANY_CONNECTIONS: reply(421, '4.7.0', 'Too many connections from your address, try again later'),
  // The listener's own limits (RFC 5321 §3.8: 421 and close the connection).
  /** RFC 3463 4.3.2 "system not accepting network messages": every slot is taken. */
  LISTENER_FULL: reply(421, '4.3.2', 'Too many connections, try again later'),
  /** The client's /24 (IPv6 /64) holds its share of the slots. */
  NETWORK_LIMIT: reply(421, '4.7.0', 'Too many connections from your network, try again later'),
  /** RFC 3463 4.4.2 "bad connection": the message did not arrive at a usable rate. */
  DATA_TOO_SLOW: reply(421, '4.4.2', 'Message data too slow, closing connection'),
  DATA_TOO_LONG: reply(421, '4.4.2', 'Message data took too long, closing connection'),
  /** A reserve slot is held only by a client that authenticates promptly. */
  AUTH_TOO_SLOW: reply(421, '4.7.0', 'Server busy: authenticate promptly or try again later'),
  /** RFC 5321 §3.8: the password this session authenticated with was changed or revoked; it is closed. */
  CREDENTIALS_CHANGED: reply(421, '4.7.0', 'Your credentials changed: authenticate again'),
  // Checks on arrival at the MX port (mail-daemon/authentication).
  /**
   * RFC 7489 §6.6.3/§7.2 + RFC 7372 §3.2 ("5.7.1 … the sending domain's DMARC policy"): the author
   * domain publishes p=reject and the message failed DMARC; 550 after DATA (RFC 5321 §4.3.2).
   */
  DMARC_REJECT: reply(550, '5.7.1', 'Rejected by the sender domain\'s DMARC policy'),
  /** RFC 7372 §3.2: 5.7.23 "SPF validation failed" (policy spfFailAction reject, no passing DKIM signature). */
  SPF_FAIL: reply(550, '5.7.23', 'SPF validation failed: the sender domain does not designate this host'),
  /** RFC 6647 §2.1 + RFC 3463 4.7.1: greylisting defers a new triplet; a real MTA retries. */
  GREYLISTED: reply(451, '4.7.1', 'Greylisted: this server defers first attempts, please retry in a few minutes'),
  /** RFC 5321 §4.3.2 550 + RFC 3463 5.7.1: the spam filter judged the message spam. */
  SPAM_REJECT: reply(550, '5.7.1', 'Message rejected as spam'),
  /** RFC 3463 4.7.1: the spam filter asked for a later retry (its soft reject or greylist action). */
  SPAM_DEFER: reply(451, '4.7.1', 'Message deferred by the spam filter, try again later'),
  /** RFC 5321 451 + RFC 3463 4.7.1: the spam filter cannot be reached; nothing goes through unjudged. */
  SPAM_FILTER_UNAVAILABLE: reply(451, '4.7.1', 'Spam filter unavailable, try again later'),
  /**
   * RFC 5782 §2.1 (a listing is an A record in 127.0.0.2-127.0.0.255) + RFC 5321 §3.1 (554 instead
   * of the greeting) + RFC 3463 5.7.1: the client's address is on a DNS blocklist, named in the reply.
   */
  blocklisted: (ip: string, zone: string) => reply(554, '5.7.1', `Client host [${ip}] blocked using ${zone}`),
  /** RFC 5321 250 after DATA (RFC 3463 2.6.0): the message is committed. */
  queued: (queueId: string) => reply(250, '2.6.0', `Message accepted, queued as ${queueId}`),
} as const;

/** The text smtp-server sends for a hook error: we carry the enhanced code in the text ourselves. */
export function replyText(r: Reply): string {
  return `${r.enhanced} ${r.text}`;
}

/** An Error smtp-server turns into our reply (`responseCode` + message with the enhanced code). */
export class SmtpReplyError extends Error {
  readonly responseCode: number;
  constructor(readonly reply: Reply) {
    super(replyText(reply));
    this.responseCode = reply.code;
  }
}

/** RFC 5321 §3.8: too many commands refused before TLS; the connection is closed. */
export const TOO_MANY_ERRORS = reply(421, '4.7.0', 'Too many errors, closing connection');

/** RFC 5321 §3.8 / RFC 4954: too many failed AUTH attempts in one session; the connection is closed. */
export const TOO_MANY_AUTH_FAILURES = reply(421, '4.7.0', 'Too many failed authentication attempts, closing connection');

/** The commands RFC 3207 §4 lets through before STARTTLS when TLS is required (HELO too). */
export const ALLOWED_BEFORE_TLS = new Set(['EHLO', 'HELO', 'NOOP', 'QUIT', 'STARTTLS']);
