import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { associationData } from '@/lib/certificates/tlsa';
import type { TlsaRecord } from '@/lib/dns/resolver';

// RFC 7672 (SMTP security via opportunistic DANE TLS) on RFC 6698/7671 TLSA records.
// Only DANE-TA(2) and DANE-EE(3) are usable for SMTP (RFC 7672 §3.1.3: PKIX-TA(0) and
// PKIX-EE(1) are not); selector 0 is the full certificate, 1 its SubjectPublicKeyInfo;
// matching type 0 is the exact bytes, 1 SHA-256, 2 SHA-512.

export const USAGE_DANE_TA = 2;
export const USAGE_DANE_EE = 3;

export function usableRecords(records: TlsaRecord[]): TlsaRecord[] {
  return records.filter(
    (r) => (r.usage === USAGE_DANE_TA || r.usage === USAGE_DANE_EE) && (r.selector === 0 || r.selector === 1) && r.matchingType >= 0 && r.matchingType <= 2,
  );
}

export { associationData };

export const recordMatches = (r: TlsaRecord, cert: X509Certificate) => associationData(cert, r.selector, r.matchingType).equals(r.data);

export type DaneVerdict = { ok: true; usage: number } | { ok: false; reason: string };

/**
 * Checks a peer chain (leaf first, as the server sent it) against usable TLSA records.
 * `names` are the reference identifiers (RFC 7672 §3.2.2: the MX host name, and the TLSA
 * base domain if it differs).
 */
export function verifyDane(records: TlsaRecord[], chain: X509Certificate[], names: string[], now: Date = new Date()): DaneVerdict {
  const usable = usableRecords(records);
  if (!usable.length) return { ok: false, reason: 'no usable TLSA records' };
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: 'the server sent no certificate' };

  // §3.2.1: DANE-EE: the leaf matches; its names and validity dates are not checked.
  if (usable.some((r) => r.usage === USAGE_DANE_EE && recordMatches(r, leaf))) return { ok: true, usage: USAGE_DANE_EE };

  // §3.2.2: DANE-TA: a certificate the server sent matches, the leaf chains up to it
  // through the certificates sent, and the leaf is valid for one of the names.
  const ta = usable.filter((r) => r.usage === USAGE_DANE_TA);
  if (ta.length) {
    for (let i = 0; i < chain.length; i++) {
      if (!ta.some((r) => recordMatches(r, chain[i]))) continue;
      if (!chainsTo(chain, i)) continue;
      const nameOk = names.some((n) => leaf.checkHost(n, { subject: 'default' }) !== undefined);
      if (!nameOk) return { ok: false, reason: `DANE-TA matched but the certificate is not valid for ${names.join(' or ')}` };
      const from = new Date(leaf.validFrom);
      const to = new Date(leaf.validTo);
      if (now < from || now > to) return { ok: false, reason: 'DANE-TA matched but the certificate is expired or not yet valid' };
      return { ok: true, usage: USAGE_DANE_TA };
    }
  }
  return { ok: false, reason: 'no TLSA record matches the certificate chain' };
}

/** Each certificate from the leaf to chain[top] is issued and signed by the next. */
function chainsTo(chain: X509Certificate[], top: number): boolean {
  for (let i = 0; i < top; i++) {
    const child = chain[i];
    const issuer = chain[i + 1];
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) return false;
  }
  return true;
}

/** The chain a TLS socket received, leaf first, without repeating the self-signed root. */
export function peerChain(socket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert && cert.raw && out.length < 10) {
    const fp = cert.fingerprint256;
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(new X509Certificate(cert.raw));
    if (!cert.issuerCertificate || cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return out;
}
