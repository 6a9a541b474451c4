import { X509Certificate, createHash } from 'node:crypto';
import type { TlsaRecord } from '@/lib/dns/resolver';
import { pemBlocks } from './x509';

// TLSA records for a certificate (RFC 6698 §2.1). Postern asks for "3 1 1": DANE-EE, the
// SubjectPublicKeyInfo, SHA-256 (RFC 7671 §5.1) — it survives a renewal that keeps the key.

/** SHA-256 of the leaf's SubjectPublicKeyInfo (DER), hex: the data of a `3 1 1` record. */
export function spkiSha256(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

/** The `3 1 1` record data as a zone file writes it. */
export function daneEeRecord(certPem: string): string {
  return `3 1 1 ${spkiSha256(certPem)}`;
}

function associated(der: Buffer, spki: Buffer, selector: number, matchingType: number): Buffer | null {
  const data = selector === 0 ? der : selector === 1 ? spki : null;
  if (!data) return null;
  if (matchingType === 0) return data;
  if (matchingType === 1) return createHash('sha256').update(data).digest();
  if (matchingType === 2) return createHash('sha512').update(data).digest();
  return null;
}

/**
 * Whether a published TLSA record matches the chain (leaf first): DANE-EE and PKIX-EE
 * (usages 3, 1) against the leaf, DANE-TA and PKIX-TA (2, 0) against any issuer in the chain.
 */
export function tlsaMatches(record: TlsaRecord, chainPem: string): boolean {
  const certs = pemBlocks(chainPem).map((p) => new X509Certificate(p));
  const candidates = record.usage === 3 || record.usage === 1 ? certs.slice(0, 1) : certs.slice(1);
  return candidates.some((c) => {
    const spki = c.publicKey.export({ type: 'spki', format: 'der' });
    const value = associated(c.raw, spki, record.selector, record.matchingType);
    return value !== null && value.equals(record.data);
  });
}
