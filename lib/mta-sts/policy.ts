import { createHash } from 'node:crypto';

// The MTA-STS policy a domain serves at https://mta-sts.<domain>/.well-known/mta-sts.txt
// (RFC 8461 §3.2) and the id its `_mta-sts` TXT record carries (§3.1). The id is derived from
// the policy text, so it changes exactly when the policy changes and every panel computes the
// same one without storing it.

export interface MtaStsPolicyInput {
  mode: 'testing' | 'enforce';
  /** The MX host names senders may deliver to (§4.1 patterns; ours are exact names). */
  mx: string[];
  maxAgeSeconds: number;
}

/** §3.2: key/value lines ending in CRLF; `version` first. */
export function mtaStsPolicyText(p: MtaStsPolicyInput): string {
  const lines = ['version: STSv1', `mode: ${p.mode}`, ...p.mx.map((mx) => `mx: ${mx}`), `max_age: ${p.maxAgeSeconds}`];
  return lines.map((l) => `${l}\r\n`).join('');
}

/** §3.1: id = 1*32(ALPHA / DIGIT); here the first 32 hex digits of the text's SHA-256. */
export function mtaStsId(policyText: string): string {
  return createHash('sha256').update(policyText).digest('hex').slice(0, 32);
}

/** §3.1 the TXT record at `_mta-sts.<domain>`. */
export function mtaStsRecordValue(policyText: string): string {
  return `v=STSv1; id=${mtaStsId(policyText)}`;
}
