import * as asn1js from 'asn1js';
import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { loadIssuingCa } from './authority';
import { DAY_MS, signingAlgorithm, x509 } from './x509';

/** How long a published CRL is good for; clients fetch again after nextUpdate. */
export const CRL_VALIDITY_DAYS = 7;

/**
 * The CA's current CRL (RFC 5280 v2, DER), signed with its key: every revoked
 * serial with its date and reason, the CRL number, the authority key identifier.
 * Built on request, so it is never stale.
 */
export async function buildCrl(db: DbOrTx, caId: string, now = new Date()): Promise<Buffer> {
  const row = await db.certificateAuthority.findUnique({ where: { id: caId }, select: { id: true, crlNumber: true } });
  if (!row) throw new ServiceError('not_found', 'no such certificate authority', 'id');
  const ca = await loadIssuingCa(db, caId);
  const revocations = await db.certificateRevocation.findMany({ where: { caId }, orderBy: { revokedAt: 'asc' } });
  const crlNumber = new x509.Extension('2.5.29.20', false, new asn1js.Integer({ value: row.crlNumber }).toBER(false));
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_DAYS * DAY_MS),
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithm(ca.key),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey), crlNumber],
    entries: revocations.map((r) => ({ serialNumber: r.serial, revocationDate: r.revokedAt, reason: r.reason || undefined })),
  });
  return Buffer.from(crl.rawData);
}
