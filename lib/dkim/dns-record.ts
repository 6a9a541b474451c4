// The DKIM key record a domain publishes (RFC 6376 §3.6.1): at <selector>._domainkey.<domain>,
// "v=DKIM1; k=<type>; p=<public key>". k=ed25519 per RFC 8463 §4.2 (p= is the raw 32-byte key).

export type DkimAlgorithm = 'rsa' | 'ed25519';

export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

export function dkimRecordValue(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm}; p=${publicKey}`;
}
