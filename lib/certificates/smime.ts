import { createPrivateKey } from 'node:crypto';
import { domainIdWhere, type Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import type { DbOrTx } from '@/lib/audit/types';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { normalizeAddress } from '@/lib/validations/address';
import { loadIssuingCa, signWithCa } from './authority';
import { expiryOf } from './expiry';
import { sealKey, unsealKey } from './keys';
import { buildPkcs12 } from './pkcs12';
import { issueSmimeSchema, parseInput, pkcs12Schema, type IssueSmimeInput, type Pkcs12Input } from './schemas';
import { describeSpec, factsOf, generateKeys, pemToDer, privateKeyToPem, x509, type KeySpec } from './x509';

// S/MIME (RFC 8551, profile RFC 8550): a certificate per mailbox from the internal
// CA — emailProtection EKU, the address as rfc822Name SAN, digitalSignature +
// keyEncipherment (an RSA key, so clients can both sign and receive encrypted mail).
// Scope follows the mailbox: a domain admin manages their domains' mailboxes.

function smimeExtensions(address: string): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.emailProtection]),
    new x509.SubjectAlternativeNameExtension([{ type: 'email', value: address }]),
  ];
}

export interface SmimeSummary {
  id: string;
  mailboxId: string;
  address: string;
  serial: string;
  subject: string;
  keyType: string;
  keySize: number | null;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  revokedAt: Date | null;
  createdAt: Date;
  expiry: ReturnType<typeof expiryOf>;
}

const SELECT = {
  id: true, mailboxId: true, address: true, serial: true, subject: true, keyType: true, keySize: true, notBefore: true, notAfter: true,
  fingerprintSha256: true, revokedAt: true, createdAt: true,
} as const;

function mailboxScope(actor: Actor) {
  // A mailbox owner (self-service) sees its own certificates only.
  if (actor.kind === 'mailbox') return { mailboxId: actor.id };
  const scope = domainIdWhere(actor);
  return scope.domainId ? { mailbox: { domainId: scope.domainId } } : {};
}

export async function issueSmimeCertificate(db: Db, actor: Actor, raw: IssueSmimeInput): Promise<SmimeSummary & { certPem: string }> {
  const input = parseInput(issueSmimeSchema, raw);
  const { address } = normalizeAddress(input.address);
  const mailbox = await db.mailbox.findFirst({ where: { address, ...domainIdWhere(actor) }, select: { id: true, address: true, displayName: true } });
  if (!mailbox) throw new ServiceError('not_found', 'no such mailbox', 'address');
  const ca = await loadIssuingCa(db, input.caId);
  const spec = input.keySpec as KeySpec;
  const keys = await generateKeys(spec);
  const cert = await signWithCa(ca, {
    publicKey: keys.publicKey,
    subject: { commonName: mailbox.displayName?.slice(0, 64) || address, email: address },
    validityDays: input.validityDays,
    extensions: smimeExtensions(address),
  });
  const certPem = cert.toString('pem') + '\n';
  const facts = factsOf(certPem);
  const row = await db.$transaction(async (tx) => {
    const created = await tx.smimeCertificate.create({
      data: {
        mailboxId: mailbox.id,
        address,
        caId: ca.id,
        serial: facts.serial,
        subject: facts.subject,
        certPem,
        keySealed: sealKey(await privateKeyToPem(keys.privateKey)),
        ...describeSpec(spec),
        notBefore: facts.notBefore,
        notAfter: facts.notAfter,
        fingerprintSha256: facts.fingerprintSha256,
      },
      select: SELECT,
    });
    await audit(tx, actor, 'smime.issue', address, undefined, { id: created.id, serial: facts.serial, notAfter: facts.notAfter, fingerprintSha256: facts.fingerprintSha256 });
    return created;
  });
  return { ...row, expiry: expiryOf(row.notAfter), certPem };
}

export async function listSmimeCertificates(db: DbOrTx, actor: Actor, filter: { mailboxId?: string; address?: string } = {}): Promise<SmimeSummary[]> {
  const rows = await db.smimeCertificate.findMany({
    where: { ...mailboxScope(actor), ...(filter.mailboxId ? { mailboxId: filter.mailboxId } : {}), ...(filter.address ? { address: filter.address.toLowerCase() } : {}) },
    select: SELECT,
    orderBy: { createdAt: 'desc' },
    take: 500,
  });
  return rows.map((r) => ({ ...r, expiry: expiryOf(r.notAfter) }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findScoped(db: DbOrTx, actor: Actor, id: string) {
  if (!UUID.test(id)) throw new ServiceError('not_found', 'no such S/MIME certificate', 'id');
  const row = await db.smimeCertificate.findFirst({ where: { id, ...mailboxScope(actor) } });
  if (!row) throw new ServiceError('not_found', 'no such S/MIME certificate', 'id');
  return row;
}

/** The public certificate alone (PEM), for publishing or importing into an address book. */
export async function getSmimeCertificatePem(db: DbOrTx, actor: Actor, id: string): Promise<{ address: string; certPem: string }> {
  const row = await findScoped(db, actor, id);
  return { address: row.address, certPem: row.certPem };
}

/**
 * The certificate, its key and the CA chain as a password-protected .p12 (AES-256
 * + PBKDF2/SHA-256, or the legacy 3DES profile). The export is audited; the
 * password is neither stored nor logged.
 */
export async function exportSmimePkcs12(db: Db, actor: Actor, raw: Pkcs12Input): Promise<{ filename: string; data: Buffer }> {
  const input = parseInput(pkcs12Schema, raw);
  const row = await findScoped(db, actor, input.id);
  if (row.revokedAt) throw new ServiceError('invalid', 'this certificate was revoked', 'id');
  const ca = await loadIssuingCa(db, row.caId);
  // Issuer first, up to the root: a client importing the .p12 learns the whole path.
  const chainDers = [...ca.chainPems, ca.rootPem].map(pemToDer);
  const keyPkcs8 = createPrivateKey(unsealKey(row.keySealed)).export({ format: 'der', type: 'pkcs8' }) as Buffer;
  const data = buildPkcs12({
    keyPkcs8,
    certDer: pemToDer(row.certPem),
    chainDers,
    password: input.password,
    friendlyName: row.address,
    profile: input.legacy ? 'legacy' : 'aes',
  });
  await audit(db, actor, 'smime.export', row.address, undefined, { id: row.id, profile: input.legacy ? 'legacy' : 'aes' });
  return { filename: `${row.address.replace(/[^a-z0-9@._-]/gi, '_')}.p12`, data };
}
