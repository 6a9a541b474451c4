import { createPrivateKey } from 'node:crypto';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { ServiceError, conflictOnDuplicate } from '@/lib/errors';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { checkBundle, type CheckResult } from './checks';
import { unsealKey } from './keys';
import { importSignedSchema, parseInput, type ImportSignedInput } from './schemas';
import { certificateColumns, factsOf } from './x509';

/**
 * The external CA's answer to a CSR made here: checked against the pending key
 * (and the usual chain, validity, names and strength checks), then stored on the
 * same PENDING row. The key never left the database.
 */
export async function importSignedCertificate(
  db: Db,
  actor: Actor,
  raw: ImportSignedInput,
): Promise<{ id: string; hosts: string[]; fingerprintSha256: string; notAfter: Date; checks: CheckResult[] }> {
  requireGlobalActor(actor);
  const input = parseInput(importSignedSchema, raw);
  const pending = await db.certificate.findUnique({ where: { id: input.id } });
  if (!pending) throw new ServiceError('not_found', 'no such certificate', 'id');
  if (pending.source !== 'CSR' || pending.status !== 'PENDING' || pending.certPem) {
    throw new ServiceError('conflict', 'this certificate is not waiting for a signed certificate', 'id');
  }
  const key = createPrivateKey(unsealKey(pending.keySealed));
  const { pems, checks } = checkBundle({ certPem: input.certPem, key, hosts: pending.hosts });
  const certPem = pems.join('');
  const facts = factsOf(certPem);
  await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const updated = await tx.certificate.updateMany({
          where: { id: pending.id, status: 'PENDING', certPem: null },
          data: {
            certPem,
            hosts: facts.hosts,
            ...certificateColumns(facts),
          },
        });
        if (updated.count !== 1) throw new ServiceError('conflict', 'this certificate was imported meanwhile', 'id');
        await audit(tx, actor, 'certificate.import', pending.id, undefined, {
          issuer: facts.issuer, serial: facts.serial, notAfter: facts.notAfter, fingerprintSha256: facts.fingerprintSha256,
        });
      }),
    'certPem',
    'this certificate is already stored',
  );
  return { id: pending.id, hosts: facts.hosts, fingerprintSha256: facts.fingerprintSha256, notAfter: facts.notAfter, checks };
}
