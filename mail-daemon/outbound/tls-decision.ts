import { usableRecords, verifyDane } from './dane';
import type { StsLookup } from './mta-sts';
import type { TlsaRecord } from '@/lib/dns/resolver';
import type { TlsInfo } from './smtp-socket';
import type { TlsRequirement, TlsVerification } from './types';

// The TLS decision for one host: from the request's requirement (opportunistic,
// require-tls, require-verified), the domain's MTA-STS policy (RFC 8461) and the host's
// authenticated TLSA records (RFC 7672), what must hold before any envelope is sent;
// then, after the handshake, how the peer was judged and whether it may carry the message.

/** What must hold for a host's TLS, decided before connecting. */
export interface TlsPolicy {
  /** DANE TLSA records (authenticated, non-empty): TLS is mandatory (RFC 7672 §2.2). */
  dane: TlsaRecord[] | null;
  sts: StsLookup | null;
  requirement: TlsRequirement;
}

export const meetsRequirement = (requirement: TlsRequirement, v: TlsVerification) =>
  requirement === 'opportunistic' || (requirement === 'require-tls' ? v !== 'none' : v === 'dane' || v === 'mta-sts' || v === 'pkix');

export interface TlsDemand {
  /** No cleartext fallback: DANE, MTA-STS enforce, or a requirement above opportunistic. */
  required: boolean;
  /** What requires it, for the deferral's words. */
  why: string;
  /** MTA-STS testing: failures are reported, not enforced (RFC 8461 §5). */
  stsTesting: boolean;
}

export function tlsDemand(policy: TlsPolicy): TlsDemand {
  const daneRequired = policy.dane !== null;
  const stsEnforce = policy.sts?.policy.mode === 'enforce';
  return {
    required: daneRequired || stsEnforce || policy.requirement !== 'opportunistic',
    why: daneRequired ? 'DANE' : stsEnforce ? 'MTA-STS' : policy.requirement,
    stsTesting: policy.sts?.policy.mode === 'testing',
  };
}

export interface PeerJudgement {
  /** How the peer was judged; null when it was refused before any verdict (DANE or MTA-STS enforce failed). */
  verification: TlsVerification | null;
  /** Why this host may not carry the message (then try the next); null when it may. */
  refusal: string | null;
  /** An MTA-STS testing finding to report with the outcome. */
  note: string | null;
}

/** The peer of a completed handshake with `host`, judged under the policy. */
export function judgePeer(policy: TlsPolicy, host: string, t: TlsInfo): PeerJudgement {
  const pkixOk = t.authorized && t.identityError === null;
  const pkixWhy = t.authorizationError ?? t.identityError ?? '';
  let verification: TlsVerification;
  let note: string | null = null;
  if (policy.dane) {
    const usable = usableRecords(policy.dane);
    if (usable.length) {
      const verdict = verifyDane(usable, t.chain, [host]);
      // RFC 7672 §2.2: authentication failure → this host is not used; try the next.
      if (!verdict.ok) return { verification: null, refusal: `DANE verification failed: ${verdict.reason}`, note: null };
      verification = 'dane';
    } else {
      // RFC 7672 §2.2: only unusable TLSA records: TLS is still mandatory, authentication is not.
      verification = pkixOk ? 'pkix' : 'unverified';
    }
  } else if (policy.sts?.policy.mode === 'enforce') {
    // RFC 8461 §4.2: the certificate must be PKIX-valid for the MX host name.
    if (!pkixOk) return { verification: null, refusal: `certificate not valid under MTA-STS enforce: ${pkixWhy}`, note: null };
    verification = 'mta-sts';
  } else {
    verification = pkixOk ? 'pkix' : 'unverified';
    if (policy.sts?.policy.mode === 'testing' && !pkixOk) note = `MTA-STS testing: certificate of ${host} not valid: ${pkixWhy}`;
  }
  if (!meetsRequirement(policy.requirement, verification)) {
    return { verification, refusal: `certificate not verified (${pkixWhy || 'no DANE or PKIX match'}), required by ${policy.requirement}`, note };
  }
  return { verification, refusal: null, note };
}

/**
 * A smarthost's certificate: PKIX only (MTA-STS and DANE, RFC 7672, speak of a domain's MX hosts).
 * RFC 8314 §4.1 asks clients to verify the server before they send credentials.
 */
export function judgeSmarthost(t: TlsInfo, requirement: TlsRequirement, withCredentials: boolean): { verification: TlsVerification; refusal: string | null } {
  const pkixOk = t.authorized && t.identityError === null;
  const verification: TlsVerification = pkixOk ? 'pkix' : 'unverified';
  if (!pkixOk && (withCredentials || !meetsRequirement(requirement, 'unverified'))) {
    return { verification, refusal: `certificate not valid: ${t.authorizationError ?? t.identityError}` };
  }
  return { verification, refusal: null };
}
