import { X509Certificate as NodeX509, createPrivateKey, type KeyObject } from 'node:crypto';
import { ServiceError } from '@/lib/errors';
import { hostCovered } from './hosts';
import { sentence } from './sentence';
import { hostsOf, keyOf, pemBlocks, x509 } from './x509';

// The checks an uploaded or imported certificate must pass before it may be
// stored. Each has a name so the panel, the CLI and the tests can say which failed.

export type CheckName = 'pem' | 'key_match' | 'chain_order' | 'chain_signature' | 'validity' | 'host_coverage' | 'key_strength' | 'server_usage';

/** The named reason a check failed. */
export type CheckReason =
  | 'garbage_pem'
  | 'key_mismatch'
  | 'chain_order'
  | 'chain_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'host_not_covered'
  | 'weak_key'
  | 'weak_signature'
  | 'not_server_certificate';

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  reason?: CheckReason;
  detail: string;
}

/** A refused certificate: its message is a plain sentence for the admin; `reason` names the first failed check, `checks` lists all of them. */
export class CertificateCheckError extends ServiceError {
  constructor(readonly reason: CheckReason, message: string, readonly checks: CheckResult[], field = 'certPem') {
    super('invalid', sentence(message), field);
    this.name = 'CertificateCheckError';
  }
}

export interface BundleInput {
  /** Leaf first; may already contain the chain. */
  certPem: string;
  chainPem?: string;
  /** The private key to match: a PEM (upload) or the pending key (CSR import). */
  key: string | KeyObject;
  /** Names the certificate must cover. */
  hosts: string[];
  now?: Date;
}

export interface CheckedBundle {
  leaf: NodeX509;
  /** Leaf first, then intermediates, as given. */
  pems: string[];
  checks: CheckResult[];
}

const MIN_RSA = 2048;
const MIN_EC = 256;
const WEAK_HASHES = new Set(['SHA-1', 'MD5']);

function label(cert: NodeX509): string {
  const cn = cert.subject.match(/CN=([^\n]*)/);
  return cn ? `"${cn[1]}"` : `"${cert.subject.split('\n').join(', ')}"`;
}

/** Runs every check; throws CertificateCheckError naming the first failure. */
export function checkBundle(input: BundleInput): CheckedBundle {
  const checks: CheckResult[] = [];
  const fail = (name: CheckName, reason: CheckReason, detail: string, field?: string): never => {
    checks.push({ name, ok: false, reason, detail });
    throw new CertificateCheckError(reason, detail, checks, field);
  };
  const pass = (name: CheckName, detail: string) => checks.push({ name, ok: true, detail });

  // 1. Parse: only real PEM certificates and a real key get further.
  const pems = [...pemBlocks(input.certPem), ...pemBlocks(input.chainPem ?? '')];
  if (!pemBlocks(input.certPem).length) fail('pem', 'garbage_pem', 'the certificate is not a PEM "CERTIFICATE" block');
  if (input.chainPem?.trim() && !pemBlocks(input.chainPem).length) fail('pem', 'garbage_pem', 'the chain contains no PEM "CERTIFICATE" block', 'chainPem');
  const certs: NodeX509[] = [];
  for (const [i, pem] of pems.entries()) {
    try {
      certs.push(new NodeX509(pem));
    } catch {
      fail('pem', 'garbage_pem', `certificate ${i + 1} of the bundle is not a valid X.509 certificate`, i === 0 ? 'certPem' : 'chainPem');
    }
  }
  let key: KeyObject;
  try {
    key = typeof input.key === 'string' ? createPrivateKey(input.key) : input.key;
  } catch {
    return fail('pem', 'garbage_pem', 'the private key is not a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)', 'keyPem');
  }
  pass('pem', `${certs.length === 1 ? 'one certificate' : `${certs.length} certificates`} and a ${key.asymmetricKeyType?.toUpperCase()} private key`);
  const leaf = certs[0];

  // 2. The key belongs to the leaf.
  if (!leaf.checkPrivateKey(key)) fail('key_match', 'key_mismatch', 'the private key does not belong to the certificate', 'keyPem');
  pass('key_match', 'the private key matches the certificate');

  // 3. Chain: each certificate is issued (names, key identifiers) and signed by the next one.
  for (let i = 0; i + 1 < certs.length; i++) {
    const child = certs[i];
    const parent = certs[i + 1];
    if (!child.checkIssued(parent) || !parent.ca) {
      const elsewhere = certs.findIndex((c, j) => j !== i && j !== i + 1 && child.checkIssued(c));
      fail(
        'chain_order',
        'chain_order',
        elsewhere >= 0
          ? `the chain is out of order: ${label(child)} is issued by certificate ${elsewhere + 1}, not by the next one`
          : `${label(parent)} did not issue ${label(child)} (each certificate must be followed by its issuer)`,
        'chainPem',
      );
    }
  }
  pass('chain_order', certs.length > 1 ? 'each certificate is followed by its issuer' : 'no chain given (leaf only)');
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) {
      fail('chain_signature', 'chain_signature', `the signature on ${label(certs[i])} does not verify with ${label(certs[i + 1])}'s key`, 'chainPem');
    }
  }
  pass('chain_signature', certs.length > 1 ? 'every signature in the chain verifies' : 'no chain to verify');

  // 4. Validity, for the whole bundle.
  const now = input.now ?? new Date();
  for (const cert of certs) {
    if (new Date(cert.validFrom) > now) fail('validity', 'not_yet_valid', `${label(cert)} is not valid before ${new Date(cert.validFrom).toISOString()}`);
    if (new Date(cert.validTo) <= now) fail('validity', 'expired', `${label(cert)} expired on ${new Date(cert.validTo).toISOString()}`);
  }
  pass('validity', `valid until ${new Date(leaf.validTo).toISOString()}`);

  // 5. Every name we serve is covered.
  const names = hostsOf(leaf);
  const missing = input.hosts.filter((h) => !hostCovered(names, h));
  if (missing.length) fail('host_coverage', 'host_not_covered', `the certificate does not cover ${missing.join(', ')} (it names ${names.join(', ') || 'nothing'})`);
  pass('host_coverage', `covers ${input.hosts.join(', ')}`);

  // 6. Strength of the key and of the signatures.
  const { keyType, keySize } = keyOf(leaf);
  if (keyType === 'RSA' && (keySize ?? 0) < MIN_RSA) fail('key_strength', 'weak_key', `an RSA key of ${keySize} bits is too weak (at least ${MIN_RSA})`);
  if (keyType === 'EC' && (keySize ?? 0) < MIN_EC) fail('key_strength', 'weak_key', `an EC key of ${keySize ?? '?'} bits is too weak (at least ${MIN_EC})`);
  if (keyType !== 'RSA' && keyType !== 'EC') fail('key_strength', 'weak_key', `${keyType} keys are not supported for TLS here (RSA or EC)`);
  for (const pem of pems.slice(0, Math.max(1, pems.length - 1))) {
    const hash = (new x509.X509Certificate(pem).signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? '';
    if (WEAK_HASHES.has(hash.toUpperCase())) fail('key_strength', 'weak_signature', `a ${hash} signature is too weak`);
  }
  pass('key_strength', `${keyType} ${keySize} bits`);

  // 7. Usable by a TLS server: not a CA, serverAuth allowed by the EKU (if any).
  const eku = leaf.keyUsage;
  if (leaf.ca) fail('server_usage', 'not_server_certificate', 'this is a CA certificate, not a server certificate');
  if (eku && eku.length && !eku.includes('1.3.6.1.5.5.7.3.1') && !eku.includes('2.5.29.37.0')) {
    fail('server_usage', 'not_server_certificate', 'the extended key usage does not allow TLS server authentication');
  }
  pass('server_usage', 'a TLS server certificate');

  return { leaf, pems, checks };
}
