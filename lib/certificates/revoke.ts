import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { domainIdWhere } from '@/lib/actor';
import { requireGlobalActor } from './access';
import { announceCertificates } from './notify';
import { parseInput, revokeSchema, type RevokeInput } from './schemas';

// Revocation of certificates our internal CA signed: the serial joins the CA's
// revocation list (served at the CRL distribution point), the CRL number grows.

export async function revokeSmimeCertificate(db: Db, actor: Actor, raw: RevokeInput): Promise<{ id: string; serial: string }> {
  const input = parseInput(revokeSchema, raw);
  const scope = domainIdWhere(actor);
  return db.$transaction(async (tx) => {
    const row = await tx.smimeCertificate.findFirst({ where: { id: input.id, ...(scope.domainId ? { mailbox: { domainId: scope.domainId } } : {}) } });
    if (!row) throw new ServiceError('not_found', 'no such S/MIME certificate', 'id');
    if (row.revokedAt) throw new ServiceError('conflict', 'this certificate is already revoked', 'id');
    const now = new Date();
    await tx.smimeCertificate.update({ where: { id: row.id }, data: { revokedAt: now } });
    await tx.certificateRevocation.create({ data: { caId: row.caId, serial: row.serial, reason: input.reason, revokedAt: now } });
    await tx.certificateAuthority.update({ where: { id: row.caId }, data: { crlNumber: { increment: 1 } } });
    await audit(tx, actor, 'smime.revoke', row.address, undefined, { id: row.id, serial: row.serial, reason: input.reason });
    return { id: row.id, serial: row.serial };
  });
}

/** Revokes an internal-CA server certificate; an ACTIVE one is retired at once (daemons are told). */
export async function revokeServerCertificate(db: Db, actor: Actor, raw: RevokeInput): Promise<{ id: string; serial: string }> {
  requireGlobalActor(actor);
  const input = parseInput(revokeSchema, raw);
  return db.$transaction(async (tx) => {
    const row = await tx.certificate.findUnique({ where: { id: input.id } });
    if (!row) throw new ServiceError('not_found', 'no such certificate', 'id');
    if (!row.caId || !row.serial) throw new ServiceError('invalid', 'only certificates of the internal CA can be revoked here', 'id');
    if (row.revokedAt) throw new ServiceError('conflict', 'this certificate is already revoked', 'id');
    const now = new Date();
    await tx.certificate.update({ where: { id: row.id }, data: { revokedAt: now, status: 'RETIRED' } });
    await tx.certificateRevocation.create({ data: { caId: row.caId, serial: row.serial, reason: input.reason, revokedAt: now } });
    await tx.certificateAuthority.update({ where: { id: row.caId }, data: { crlNumber: { increment: 1 } } });
    await audit(tx, actor, 'certificate.revoke', row.id, { status: row.status }, { status: 'RETIRED', serial: row.serial, reason: input.reason });
    if (row.status === 'ACTIVE') await announceCertificates(tx, { certificateId: row.id, reason: 'revoke' });
    return { id: row.id, serial: row.serial };
  });
}
