import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { conflictOnDuplicate } from '@/lib/errors';
import type { Db } from '@/lib/db/prisma';
import { requireGlobalActor } from './access';
import { loadIssuingCa } from './authority';
import { signWithCa } from './authority';
import { normalizeHosts } from './hosts';
import { sealKey } from './keys';
import { issueServerSchema, parseInput, type IssueServerInput } from './schemas';
import { describeSpec, certificateColumns, factsOf, generateKeys, importKeyPair, isIpAddress, privateKeyToPem, x509, type KeySpec } from './x509';

export interface IssuedCertificate {
  id: string;
  hosts: string[];
  fingerprintSha256: string;
  notAfter: Date;
  /** Leaf then intermediates (what the daemon serves). */
  certPem: string;
}

/** A new key pair of the spec, or the given key kept. */
export async function keysFor(spec: KeySpec, keyPem?: string): Promise<{ keys: CryptoKeyPair; keyType: 'EC' | 'RSA'; keySize: number }> {
  if (keyPem) return importKeyPair(keyPem);
  return { keys: await generateKeys(spec), ...describeSpec(spec) };
}

export function serverExtensions(hosts: string[], keyType: 'EC' | 'RSA'): x509.Extension[] {
  const usage = x509.KeyUsageFlags.digitalSignature | (keyType === 'RSA' ? x509.KeyUsageFlags.keyEncipherment : 0);
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(hosts.map((h): x509.JsonGeneralName => ({ type: isIpAddress(h) ? 'ip' : 'dns', value: h }))),
  ];
}

/**
 * A server certificate from the internal CA for the MX, submission and IMAP host
 * names (SANs). Stored PENDING: "activate" makes the daemons serve it.
 */
export async function issueServerCertificate(
  db: Db,
  actor: Actor,
  raw: IssueServerInput,
  /** keyPem: certify this private key instead of a new one (a renewal that keeps the key). */
  options: { renewedFromId?: string; now?: Date; keyPem?: string } = {},
): Promise<IssuedCertificate> {
  requireGlobalActor(actor);
  const input = parseInput(issueServerSchema, raw);
  const hosts = normalizeHosts(input.hosts);
  const ca = await loadIssuingCa(db, input.caId);
  const { keys, keyType, keySize } = await keysFor(input.keySpec as KeySpec, options.keyPem);
  const cert = await signWithCa(ca, {
    publicKey: keys.publicKey,
    subject: { commonName: hosts[0] },
    validityDays: input.validityDays,
    extensions: serverExtensions(hosts, keyType),
    now: options.now,
  });
  const certPem = [cert.toString('pem') + '\n', ...ca.chainPems].join('');
  const facts = factsOf(certPem);
  const row = await conflictOnDuplicate(
    () =>
      db.$transaction(async (tx) => {
        const created = await tx.certificate.create({
          data: {
            status: 'PENDING',
            source: 'INTERNAL_CA',
            hosts,
            ...certificateColumns(facts),
            keyType,
            keySize,
            certPem,
            keySealed: sealKey(options.keyPem ?? (await privateKeyToPem(keys.privateKey))),
            services: input.services,
            caId: ca.id,
            renewedFromId: options.renewedFromId,
          },
        });
        await audit(tx, actor, 'certificate.issue', created.id, undefined, {
          source: 'INTERNAL_CA', hosts, caId: ca.id, serial: facts.serial, notAfter: facts.notAfter, fingerprintSha256: facts.fingerprintSha256,
        });
        return created;
      }),
    'hosts',
    'this certificate already exists',
  );
  return { id: row.id, hosts, fingerprintSha256: facts.fingerprintSha256, notAfter: facts.notAfter, certPem };
}
