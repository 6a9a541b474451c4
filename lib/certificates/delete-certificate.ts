import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { requireGlobalActor } from './access';

/**
 * Deletes a RETIRED certificate and its sealed key. An active or pending one is refused:
 * deleting what a daemon may serve, or a request still waiting for its answer, is never
 * what "clean up" means. A revoked serial stays in the CA's revocation list.
 */
export async function deleteCertificate(db: Db, actor: Actor, id: string): Promise<{ id: string; hosts: string[] }> {
  requireGlobalActor(actor);
  return db.$transaction(async (tx) => {
    const row = await tx.certificate.findUnique({ where: { id }, select: { id: true, status: true, hosts: true, serial: true, fingerprintSha256: true, notAfter: true } });
    if (!row) throw new ServiceError('not_found', 'no such certificate', 'id');
    if (row.status !== 'RETIRED') throw new ServiceError('conflict', 'only retired certificates can be deleted', 'id');
    await tx.certificate.delete({ where: { id } });
    await audit(tx, actor, 'certificate.delete', id, { hosts: row.hosts, serial: row.serial, fingerprintSha256: row.fingerprintSha256, notAfter: row.notAfter }, undefined);
    return { id, hosts: row.hosts };
  });
}
