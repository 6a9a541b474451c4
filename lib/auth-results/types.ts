/**
 * Authentication-Results (RFC 8601) and the ARC header fields (RFC 8617), parsed. Every parse gives
 * either the typed fields or `{ ok: false, error }` naming what could not be read: nothing a sender
 * writes makes the parser throw.
 */

/** RFC 8601 §2.2 propspec: `ptype.property=pvalue`, e.g. `smtp.mailfrom=example.net`. */
export interface ResultProperty {
  /** smtp, header, body, policy (lower-cased) */
  ptype: string;
  property: string;
  value: string;
}

/** One resinfo: a method's result with its reason, comments and properties. */
export interface MethodResult {
  /** lower-cased: spf, dkim, dmarc, arc, iprev, auth… */
  method: string;
  /** RFC 8601 §2.2 method-version (`dkim/1`); null when absent */
  methodVersion: number | null;
  /** lower-cased result keyword */
  result: string;
  /** the `reason=` value, null when absent */
  reason: string | null;
  /** comments after the result and between properties, e.g. `(good signature)` */
  comments: string[];
  properties: ResultProperty[];
}

export interface ParsedAuthResults {
  ok: true;
  /** the writer: RFC 8601 §2.5 authserv-id (normally the host name of the checking server) */
  authservId: string;
  /** RFC 8601 §2.2 authres-version; null when absent (version 1) */
  version: number | null;
  /** comments around the authserv-id and version, e.g. a writer's software name */
  comments: string[];
  /** `; none`: the writer did no checks */
  none: boolean;
  results: MethodResult[];
}

export interface Unparsable {
  ok: false;
  /** what was wrong, for the admin (e.g. `expected "=" after the method at 23`) */
  error: string;
}

export type AuthResultsParse = (ParsedAuthResults | Unparsable) & { raw: string };

/** RFC 8617 §4.1.3 chain validation status. */
export type ChainValidation = 'none' | 'pass' | 'fail';

/** RFC 8617 §4.1.1: ARC-Authentication-Results, an Authentication-Results payload with its instance. */
export type ArcAuthResultsParse =
  | (ParsedAuthResults & { instance: number; raw: string })
  | (Unparsable & { instance: number | null; raw: string });

/** RFC 8617 §4.1.3 ARC-Seal. */
export interface ArcSeal {
  ok: true;
  instance: number;
  algorithm: string;
  cv: ChainValidation;
  domain: string;
  selector: string;
  /** the `t=` signing time as ISO 8601, null when absent */
  timestamp: string | null;
  tags: Record<string, string>;
}

/** RFC 8617 §4.1.2 ARC-Message-Signature. */
export interface ArcMessageSignature {
  ok: true;
  instance: number;
  algorithm: string;
  domain: string;
  selector: string;
  /** the signed header fields (`h=`), lower-cased */
  headers: string[];
  canonicalization: string | null;
  timestamp: string | null;
  tags: Record<string, string>;
}

export type ArcSealParse = (ArcSeal | (Unparsable & { instance: number | null })) & { raw: string };
export type ArcMessageSignatureParse = (ArcMessageSignature | (Unparsable & { instance: number | null })) & { raw: string };

/** The three fields of one instance (RFC 8617 §4.2: an ARC Set), any of which may be missing. */
export interface ArcSet {
  instance: number;
  authenticationResults: ArcAuthResultsParse | null;
  messageSignature: ArcMessageSignatureParse | null;
  seal: ArcSealParse | null;
}

export interface ArcChain {
  /** by instance, 1 (the first ARC intermediary) first */
  sets: ArcSet[];
  /**
   * What the header claims, not a verification (no signature is checked here): `none` without
   * ARC fields; `invalid` when the structure breaks RFC 8617 §5.1.1 (missing or duplicate fields,
   * a gap in the instances, i=1 with cv other than none); `fail` when a seal says cv=fail;
   * `pass` when the structure is intact (the signatures themselves are not verified).
   */
  status: ChainValidation | 'invalid';
  /** why `invalid`, else null */
  problem: string | null;
}

/** What the header analyzer shows beside the Received hops. */
export interface AuthenticationAnalysis {
  /** Authentication-Results fields in header order (topmost, the newest, first) */
  results: AuthResultsParse[];
  arc: ArcChain;
}
