import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { unsealKey } from './keys';
import { DAY_MS, importPrivateKey, randomSerial, signingAlgorithm, x509, type SubjectFields, subjectName } from './x509';

/** An internal CA ready to sign: its certificate, its (unsealed, in-memory) key, the chain above a leaf. */
export interface IssuingCa {
  id: string;
  name: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
  crlUrl: string;
  /** PEMs to serve after a leaf it signs: itself when it is an intermediate (never the root). */
  chainPems: string[];
  /** The root's PEM (what clients must trust). */
  rootPem: string;
}

/**
 * The CA that signs: the given one, or the newest unexpired CA with path length 0
 * (an intermediate if there is one, else a root created without one).
 */
export async function loadIssuingCa(db: DbOrTx, caId?: string | null): Promise<IssuingCa> {
  const row = caId
    ? await db.certificateAuthority.findUnique({ where: { id: caId } })
    : await db.certificateAuthority.findFirst({ where: { pathLen: 0, notAfter: { gt: new Date() } }, orderBy: { createdAt: 'desc' } });
  if (!row) {
    throw new ServiceError(caId ? 'not_found' : 'invalid', caId ? 'no such certificate authority' : 'create an internal CA first', 'caId');
  }
  if (row.notAfter <= new Date()) throw new ServiceError('invalid', `the CA "${row.name}" has expired`, 'caId');
  const { key } = await importPrivateKey(unsealKey(row.keySealed));
  let rootPem = row.certPem;
  const chainPems: string[] = [];
  let parentId = row.parentId;
  if (parentId) chainPems.push(row.certPem);
  while (parentId) {
    const parent = await db.certificateAuthority.findUniqueOrThrow({ where: { id: parentId } });
    if (parent.parentId) chainPems.push(parent.certPem);
    else rootPem = parent.certPem;
    parentId = parent.parentId;
  }
  return { id: row.id, name: row.name, cert: new x509.X509Certificate(row.certPem), key, crlUrl: row.crlUrl, chainPems, rootPem };
}

export interface LeafRequest {
  publicKey: CryptoKey | x509.PublicKey;
  subject: SubjectFields;
  validityDays: number;
  extensions: x509.Extension[];
  now?: Date;
}

/**
 * Signs a certificate with the CA: adds the identifiers (SKI, AKI) and the CRL
 * distribution point every certificate of ours carries. Back-dates notBefore a minute
 * for clock skew; never outlives the CA.
 */
export async function signWithCa(ca: IssuingCa, req: LeafRequest): Promise<x509.X509Certificate> {
  const now = req.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  let notAfter = new Date(now.getTime() + req.validityDays * DAY_MS);
  if (notAfter > ca.cert.notAfter) notAfter = ca.cert.notAfter;
  const publicKey = req.publicKey instanceof x509.PublicKey ? await req.publicKey.export() : req.publicKey;
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName(req.subject),
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.key,
    signingAlgorithm: signingAlgorithm(ca.key),
    extensions: [
      ...req.extensions,
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
      new x509.CRLDistributionPointsExtension([ca.crlUrl]),
    ],
  });
}
