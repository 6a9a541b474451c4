import { X509Certificate, createHash } from 'node:crypto';
import type { TlsaRecord } from '@/lib/dns/resolver';
import { pemBlocks } from './x509';

// TLSA records for a certificate (RFC 6698 §2.1). Postern asks for "3 1 1": DANE-EE, the
// SubjectPublicKeyInfo, SHA-256 (RFC 7671 §5.1) — it survives a renewal that keeps the key.

/** SHA-256 of the leaf's SubjectPublicKeyInfo (DER), hex: the data of a `3 1 1` record. */
export function spkiSha256(certPem: string): string {
  return associationData(new X509Certificate(certPem), 1, 1).toString('hex');
}

/** The `3 1 1` record data as a zone file writes it. */
export function daneEeRecord(certPem: string): string {
  return `3 1 1 ${spkiSha256(certPem)}`;
}

/**
 * The bytes a record's selector names (0 the full certificate, 1 its SubjectPublicKeyInfo),
 * hashed as its matching type says (0 exact, 1 SHA-256, 2 SHA-512): what the record's data must equal.
 * Shared with DANE verification of outbound peers (mail-daemon/outbound/dane.ts).
 */
export function associationData(cert: X509Certificate, selector: number, matchingType: number): Buffer {
  const bytes = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  if (matchingType === 1) return createHash('sha256').update(bytes).digest();
  if (matchingType === 2) return createHash('sha512').update(bytes).digest();
  return Buffer.from(bytes);
}

/** Selectors and matching types RFC 6698 §7.3-7.4 defines; others match nothing. */
const known = (r: TlsaRecord) => (r.selector === 0 || r.selector === 1) && r.matchingType >= 0 && r.matchingType <= 2;

/**
 * Whether a published TLSA record matches the chain (leaf first): DANE-EE and PKIX-EE
 * (usages 3, 1) against the leaf, DANE-TA and PKIX-TA (2, 0) against any issuer in the chain.
 */
export function tlsaMatches(record: TlsaRecord, chainPem: string): boolean {
  const certs = pemBlocks(chainPem).map((p) => new X509Certificate(p));
  const candidates = record.usage === 3 || record.usage === 1 ? certs.slice(0, 1) : certs.slice(1);
  return known(record) && candidates.some((c) => associationData(c, record.selector, record.matchingType).equals(record.data));
}
