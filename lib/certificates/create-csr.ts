import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { serverExtensions } from './issue-server-certificate';
import { normalizeHosts } from './hosts';
import { sealKey } from './keys';
import { createCsrSchema, parseInput, type CreateCsrInput } from './schemas';
import { describeSpec, generateKeys, privateKeyToPem, signingAlgorithm, subjectName, x509, type KeySpec } from './x509';

export interface CreatedCsr {
  id: string;
  hosts: string[];
  csrPem: string;
}

/**
 * A key and a PKCS#10 request for an external CA. The key is sealed and stays
 * with a PENDING certificate row until the signed certificate is imported.
 */
export async function createCsr(db: Db, actor: Actor, raw: CreateCsrInput): Promise<CreatedCsr> {
  requireGlobalActor(actor);
  const input = parseInput(createCsrSchema, raw);
  const hosts = normalizeHosts(input.hosts);
  const spec = input.keySpec as KeySpec;
  const keys = await generateKeys(spec);
  const { keyType, keySize } = describeSpec(spec);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName({ commonName: hosts[0], organization: input.organization, country: input.country }),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    // The extensions we would like; the CA decides what it signs.
    extensions: serverExtensions(hosts, keyType).filter((e) => !(e instanceof x509.BasicConstraintsExtension)),
  });
  const csrPem = csr.toString('pem') + '\n';
  const row = await db.$transaction(async (tx) => {
    const created = await tx.certificate.create({
      data: {
        status: 'PENDING',
        source: 'CSR',
        hosts,
        subject: csr.subject,
        keyType,
        keySize,
        csrPem,
        keySealed: sealKey(await privateKeyToPem(keys.privateKey)),
      },
    });
    await audit(tx, actor, 'certificate.csr', created.id, undefined, { hosts, keyType, keySize });
    return created;
  });
  return { id: row.id, hosts, csrPem };
}
