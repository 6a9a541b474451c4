/**
 * One Received header (RFC 5321 section 4.4), parsed. Every field is what the header itself states,
 * null when it does not say (never guessed):
 * - from.helo: the token after `from` exactly as written (the HELO/EHLO name or an address literal);
 *   from.name: the client's reverse-DNS name where stated (usually in the comment after the `from` value;
 *   qmail, ZMailer and Exim can write it as the value itself); from.ip: the connecting IP address (from
 *   that comment, or from an address literal), without brackets.
 * - by: the receiving host after `by`; via: the `via` value.
 * - protocol: the `with` value upper-cased (RFC 3848 / RFC 6531 types: ESMTP, ESMTPS, ESMTPSA, LMTPA…).
 * - id: the queue id after `id`; for: the recipient after `for`, without angle brackets.
 * - date: the date after `;` as an ISO 8601 UTC string.
 * - tls: see HopTls; evidence is read from comments (`using TLSv1.3 with cipher …`, `version=… cipher=…`),
 *   the RFC 8314 `tls` clause (the cipher suite) and the RFC 3848 protocol type (ESMTPS/ESMTPSA).
 */

export type TlsVersion = 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface HopTls {
  /** true: a comment, the RFC 8314 `tls` clause or a TLS protocol type says TLS; false: SMTP/LMTP from a
   *  client (a `from` part) without any TLS evidence; null: not an SMTP/LMTP transport hop (local, HTTP,
   *  MAPI, unknown, no `with`) or a hop without `from`, internal to the receiving system. */
  used: boolean | null;
  /** the stated version normalised (`TLSv1`, `TLS1_2`… → TLSv1.0, TLSv1.2); null when ambiguous or not stated */
  version: TlsVersion | null;
  /** exactly as written; from a comment first, else the RFC 8314 `tls` clause */
  cipher: string | null;
  /** only when the header states it (never SASL's `authenticated bits=`) */
  bits: number | null;
}

export interface ClientCertificate {
  /** did the client present a certificate (null when the header does not say) */
  presented: boolean | null;
  /** was it verified (null when not stated) */
  verified: boolean | null;
  /** the wording as the header gave it, e.g. `verify=OK`, `No client certificate requested` */
  note: string;
}

/** The JSON shape printed by `postern tls analyze` and returned by POST /api/received/analyze. */
export interface PublicHop {
  from: { helo: string | null; name: string | null; ip: string | null };
  by: string | null;
  protocol: string | null;
  id: string | null;
  for: string | null;
  date: string | null;
  tls: HopTls;
}

/** Everything the parser knows; a superset of PublicHop. */
export interface ReceivedHop extends PublicHop {
  via: string | null;
  /** SASL authentication stated (ESMTPA/ESMTPSA/LMTPA…, `Authenticated sender:`, `authenticated bits=`). */
  authenticated: boolean;
  clientCert: ClientCertificate | null;
  /** the unfolded header value as given (capped) */
  raw: string;
}

export function toPublicHop(h: ReceivedHop): PublicHop {
  return {
    from: { helo: h.from.helo, name: h.from.name, ip: h.from.ip },
    by: h.by,
    protocol: h.protocol,
    id: h.id,
    for: h.for,
    date: h.date,
    tls: { used: h.tls.used, version: h.tls.version, cipher: h.tls.cipher, bits: h.tls.bits },
  };
}
