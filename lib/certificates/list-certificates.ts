import type { Actor } from '@/lib/actor';
import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { requireGlobalActor } from './access';
import { expiryOf, type Expiry } from './expiry';

/** What lists, the CLI and monitoring show of a server certificate (never the key). */
export interface CertificateSummary {
  id: string;
  status: 'PENDING' | 'ACTIVE' | 'RETIRED';
  source: string;
  hosts: string[];
  subject: string | null;
  issuer: string | null;
  serial: string | null;
  notBefore: Date | null;
  notAfter: Date | null;
  keyType: string;
  keySize: number | null;
  fingerprintSha256: string | null;
  services: string[];
  awaitingCertificate: boolean;
  revoked: boolean;
  createdAt: Date;
  activatedAt: Date | null;
  expiry: Expiry;
}

const SELECT = {
  id: true, status: true, source: true, hosts: true, subject: true, issuer: true, serial: true, notBefore: true, notAfter: true,
  keyType: true, keySize: true, fingerprintSha256: true, services: true, certPem: true, revokedAt: true, createdAt: true, activatedAt: true,
} as const;

type Row = { certPem: string | null; revokedAt: Date | null } & Omit<CertificateSummary, 'awaitingCertificate' | 'revoked' | 'expiry'>;

function summary(row: Row, now: Date): CertificateSummary {
  const { certPem, revokedAt, ...rest } = row;
  return { ...rest, awaitingCertificate: !certPem, revoked: !!revokedAt, expiry: expiryOf(row.notAfter, now) };
}

export async function listCertificates(db: DbOrTx, actor: Actor, options: { status?: CertificateSummary['status']; now?: Date } = {}): Promise<CertificateSummary[]> {
  requireGlobalActor(actor);
  const rows = await db.certificate.findMany({
    where: options.status ? { status: options.status } : {},
    select: SELECT,
    orderBy: [{ status: 'asc' }, { createdAt: 'desc' }],
    take: 500,
  });
  return rows.map((r) => summary(r, options.now ?? new Date()));
}

export async function getCertificate(db: DbOrTx, actor: Actor, id: string): Promise<CertificateSummary & { certPem: string | null; csrPem: string | null }> {
  requireGlobalActor(actor);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new ServiceError('not_found', 'no such certificate', 'id');
  const row = await db.certificate.findUnique({ where: { id }, select: { ...SELECT, csrPem: true } });
  if (!row) throw new ServiceError('not_found', 'no such certificate', 'id');
  const { csrPem, ...rest } = row;
  return { ...summary(rest, new Date()), certPem: row.certPem, csrPem };
}

export async function listCas(db: DbOrTx, actor: Actor) {
  requireGlobalActor(actor);
  const rows = await db.certificateAuthority.findMany({
    select: { id: true, name: true, parentId: true, subject: true, serial: true, keyType: true, keySize: true, pathLen: true,
      notBefore: true, notAfter: true, fingerprintSha256: true, crlUrl: true, createdAt: true },
    orderBy: { createdAt: 'desc' },
  });
  return rows.map((r) => ({ ...r, expiry: expiryOf(r.notAfter) }));
}

/** A CA's certificate PEM: public, meant to be handed to clients to trust. */
export async function getCaCertificate(db: DbOrTx, id: string): Promise<{ name: string; certPem: string }> {
  const row = await db.certificateAuthority.findUnique({ where: { id }, select: { name: true, certPem: true } });
  if (!row) throw new ServiceError('not_found', 'no such certificate authority', 'id');
  return row;
}
