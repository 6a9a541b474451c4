import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { ServiceError } from '@/lib/errors';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { announceCertificates } from './notify';

export interface Activated {
  id: string;
  hosts: string[];
  fingerprintSha256: string | null;
  /** Certificates retired because they served the same host names. */
  retired: string[];
}

/**
 * Makes a certificate the one served for its host names: ACTIVE, other ACTIVE
 * certificates for any of the same names (and the self-signed bootstrap) RETIRED,
 * audited, and NOTIFY CHANNELS.certificates so every daemon swaps its TLS contexts.
 */
export async function activateCertificate(db: Db, actor: Actor, id: string, now = new Date()): Promise<Activated> {
  requireGlobalActor(actor);
  return db.$transaction(async (tx) => {
    // Serialise activations: two at once must not both retire each other.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(4040404040)`;
    const cert = await tx.certificate.findUnique({ where: { id } });
    if (!cert) throw new ServiceError('not_found', 'no such certificate', 'id');
    if (!cert.certPem) throw new ServiceError('invalid', 'this request has no signed certificate yet: import it first', 'id');
    if (cert.revokedAt) throw new ServiceError('invalid', 'this certificate was revoked', 'id');
    if (cert.notAfter && cert.notAfter <= now) throw new ServiceError('invalid', 'this certificate has expired', 'id');
    if (cert.notBefore && cert.notBefore > now) throw new ServiceError('invalid', 'this certificate is not valid yet', 'id');
    const others = await tx.certificate.findMany({
      where: { status: 'ACTIVE', id: { not: id }, OR: [{ hosts: { hasSome: cert.hosts } }, { source: 'SELF_SIGNED' }] },
      select: { id: true },
    });
    const retired = others.map((o) => o.id);
    if (retired.length) await tx.certificate.updateMany({ where: { id: { in: retired } }, data: { status: 'RETIRED' } });
    await tx.certificate.update({ where: { id }, data: { status: 'ACTIVE', activatedAt: now } });
    await audit(tx, actor, 'certificate.activate', id, { status: cert.status }, {
      status: 'ACTIVE', hosts: cert.hosts, fingerprintSha256: cert.fingerprintSha256, retired,
    });
    await announceCertificates(tx, { certificateId: id, reason: 'activate' });
    return { id, hosts: cert.hosts, fingerprintSha256: cert.fingerprintSha256, retired };
  });
}
