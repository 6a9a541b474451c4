/** One Received header, parsed. Field semantics are those of issue 7 item 5. */

export type TlsVersion = 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface HopTls {
  /** true: a comment, the RFC 8314 `tls` clause or a TLS protocol type says TLS; false: SMTP/LMTP without
   *  any TLS evidence; null: not an SMTP/LMTP transport hop (local, HTTP, MAPI, unknown, no `with`). */
  used: boolean | null;
  version: TlsVersion | null;
  /** exactly as written */
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
