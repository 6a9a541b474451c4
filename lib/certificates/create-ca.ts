import { randomUUID } from 'node:crypto';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { readEnv } from '@/lib/config/env';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { sealKey } from './keys';
import { createCaSchema, parseInput, type CreateCaInput } from './schemas';
import {
  DAY_MS, describeSpec, factsOf, generateKeys, privateKeyToPem, randomSerial, signingAlgorithm, subjectName, x509,
  type KeySpec, type SubjectFields,
} from './x509';

export interface CreatedCa {
  id: string;
  name: string;
  certPem: string;
  fingerprintSha256: string;
  intermediate?: { id: string; name: string; certPem: string; fingerprintSha256: string };
}

/** Where the CRL of a CA is published (the panel's public route app/crl/[file]). */
export function crlUrlFor(caId: string, baseUrl?: string): string {
  let base = baseUrl;
  if (!base) {
    const env = readEnv();
    base = `http://${env.POSTERN_HOSTNAME}:${env.PORT}`;
  }
  return `${base.replace(/\/$/, '')}/crl/${caId}.crl`;
}

function caExtensions(pathLen: number) {
  return [
    new x509.BasicConstraintsExtension(true, pathLen, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
  ];
}

/**
 * Creates the internal CA: a self-signed root (path length 0, so it can sign only
 * end-entity certificates) — or, with `intermediate`, a root with path length 1 and
 * an intermediate (path length 0) under it that does the issuing. Keys are sealed.
 */
export async function createCa(db: Db, actor: Actor, raw: CreateCaInput): Promise<CreatedCa> {
  requireGlobalActor(actor);
  const input = parseInput(createCaSchema, raw);
  const now = new Date();
  const rootId = randomUUID();
  const rootSpec = input.keySpec as KeySpec;
  const rootKeys = await generateKeys(rootSpec);
  const subject: SubjectFields = { ...input };
  const pathLen = input.intermediate ? 1 : 0;
  const rootCrl = crlUrlFor(rootId, input.crlBaseUrl);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subjectName(subject),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + input.validityDays * DAY_MS),
    keys: rootKeys,
    signingAlgorithm: signingAlgorithm(rootKeys.privateKey),
    extensions: [
      ...caExtensions(pathLen),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const rootPem = root.toString('pem') + '\n';
  const rootFacts = factsOf(rootPem);
  const rootRow = {
    id: rootId,
    name: input.commonName,
    parentId: null,
    subject: rootFacts.subject,
    serial: rootFacts.serial,
    certPem: rootPem,
    keySealed: sealKey(await privateKeyToPem(rootKeys.privateKey)),
    ...describeSpec(rootSpec),
    pathLen,
    notBefore: rootFacts.notBefore,
    notAfter: rootFacts.notAfter,
    fingerprintSha256: rootFacts.fingerprintSha256,
    crlUrl: rootCrl,
  };

  let intermediateRow: typeof rootRow | undefined;
  if (input.intermediate) {
    const id = randomUUID();
    const spec = (input.intermediate.keySpec ?? rootSpec) as KeySpec;
    const keys = await generateKeys(spec);
    const days = Math.min(input.intermediate.validityDays ?? input.validityDays, input.validityDays);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: subjectName({ ...subject, commonName: input.intermediate.commonName }),
      issuer: root.subjectName,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(Math.min(now.getTime() + days * DAY_MS, root.notAfter.getTime())),
      publicKey: keys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: signingAlgorithm(rootKeys.privateKey),
      extensions: [
        ...caExtensions(0),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
        new x509.CRLDistributionPointsExtension([rootCrl]),
      ],
    });
    const pem = cert.toString('pem') + '\n';
    const facts = factsOf(pem);
    intermediateRow = {
      id,
      name: input.intermediate.commonName,
      parentId: rootId as never,
      subject: facts.subject,
      serial: facts.serial,
      certPem: pem,
      keySealed: sealKey(await privateKeyToPem(keys.privateKey)),
      ...describeSpec(spec),
      pathLen: 0,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      fingerprintSha256: facts.fingerprintSha256,
      crlUrl: crlUrlFor(id, input.crlBaseUrl),
    };
  }

  const summary = (r: typeof rootRow) => ({ name: r.name, subject: r.subject, serial: r.serial, keyType: r.keyType, keySize: r.keySize, pathLen: r.pathLen, notAfter: r.notAfter, fingerprintSha256: r.fingerprintSha256 });
  await db.$transaction(async (tx) => {
    await tx.certificateAuthority.create({ data: rootRow });
    await audit(tx, actor, 'ca.create', rootId, undefined, summary(rootRow));
    if (intermediateRow) {
      await tx.certificateAuthority.create({ data: intermediateRow });
      await audit(tx, actor, 'ca.create_intermediate', intermediateRow.id, undefined, { ...summary(intermediateRow), parentId: rootId });
    }
  });
  return {
    id: rootId,
    name: rootRow.name,
    certPem: rootPem,
    fingerprintSha256: rootRow.fingerprintSha256,
    intermediate: intermediateRow && {
      id: intermediateRow.id,
      name: intermediateRow.name,
      certPem: intermediateRow.certPem,
      fingerprintSha256: intermediateRow.fingerprintSha256,
    },
  };
}
