import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { requireGlobalActor } from './access';
import { activateCertificate, type ActivateOptions } from './activate-certificate';
import { issueServerCertificate } from './issue-server-certificate';
import { unsealKey } from './keys';
import { specOf } from './renew';

export interface Rotated {
  oldId: string;
  newId: string;
  hosts: string[];
  notAfter: Date;
}

/**
 * Replaces an ACTIVE certificate by a fresh one from the internal CA (the one that
 * issued it, else the newest issuing CA) for the same names and listeners, and
 * activates it: the old one is retired in the same step. Like the renewal pass it
 * keeps the key, so published TLSA "3 1 1" records stay right (RFC 7671 §8.1).
 */
export async function rotateCertificate(db: Db, actor: Actor, id: string, options: ActivateOptions = {}): Promise<Rotated> {
  requireGlobalActor(actor);
  const cert = await db.certificate.findUnique({ where: { id } });
  if (!cert) throw new ServiceError('not_found', 'no such certificate', 'id');
  if (cert.status !== 'ACTIVE') throw new ServiceError('conflict', 'only the active certificate can be rotated', 'id');
  const fresh = await issueServerCertificate(
    db,
    actor,
    { hosts: cert.hosts, keySpec: specOf(cert.keyType, cert.keySize), caId: cert.caId ?? undefined, services: cert.services as never },
    { renewedFromId: cert.id, keyPem: unsealKey(cert.keySealed) },
  );
  await activateCertificate(db, actor, fresh.id, new Date(), options);
  await audit(db, actor, 'certificate.rotate', cert.id, { notAfter: cert.notAfter, fingerprintSha256: cert.fingerprintSha256 }, {
    newId: fresh.id, notAfter: fresh.notAfter, fingerprintSha256: fresh.fingerprintSha256,
  });
  return { oldId: cert.id, newId: fresh.id, hosts: fresh.hosts, notAfter: fresh.notAfter };
}
