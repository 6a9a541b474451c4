import { createPrivateKey } from 'node:crypto';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { readEnv } from '@/lib/config/env';
import { conflictOnDuplicate } from '@/lib/errors';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { checkBundle, type CheckResult } from './checks';
import { normalizeHosts } from './hosts';
import { sealKey } from './keys';
import { parseInput, uploadSchema, type UploadInput } from './schemas';
import { certificateColumns, factsOf } from './x509';

export interface UploadedCertificate {
  id: string;
  hosts: string[];
  fingerprintSha256: string;
  notAfter: Date;
  checks: CheckResult[];
}

/**
 * Stores a certificate + chain + key from elsewhere, after every check in
 * checks.ts passed (key matches, chain order and signatures, validity, host names,
 * key strength, server usage). Stored PENDING; the key is sealed (as PKCS#8).
 */
export async function uploadCertificate(db: Db, actor: Actor, raw: UploadInput): Promise<UploadedCertificate> {
  requireGlobalActor(actor);
  const input = parseInput(uploadSchema, raw);
  const required = normalizeHosts(input.hosts ?? [readEnv().POSTERN_HOSTNAME]);
  const { pems, checks } = checkBundle({ certPem: input.certPem, chainPem: input.chainPem, key: input.keyPem, hosts: required });
  const certPem = pems.join('');
  const facts = factsOf(certPem);
  const keyPem = createPrivateKey(input.keyPem).export({ format: 'pem', type: 'pkcs8' }) as string;
  const row = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const created = await tx.certificate.create({
          data: {
            status: 'PENDING',
            source: 'UPLOADED',
            hosts: facts.hosts,
            ...certificateColumns(facts),
            keyType: facts.keyType,
            keySize: facts.keySize,
            certPem,
            keySealed: sealKey(keyPem),
          },
        });
        await audit(tx, actor, 'certificate.upload', created.id, undefined, {
          hosts: facts.hosts, issuer: facts.issuer, serial: facts.serial, notAfter: facts.notAfter, fingerprintSha256: facts.fingerprintSha256,
        });
        return created;
      }),
    'certPem',
    'this certificate is already stored',
  );
  return { id: row.id, hosts: facts.hosts, fingerprintSha256: facts.fingerprintSha256, notAfter: facts.notAfter, checks };
}
