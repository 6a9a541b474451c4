import { generateKeyPairSync } from 'node:crypto';
import type { DkimAlgorithm } from './dns-record';

export interface DkimKeyPair {
  /** The p= value: base64 of the SubjectPublicKeyInfo (RSA), or of the raw 32-byte key (Ed25519, RFC 8463 §4.2). */
  publicKey: string;
  /** PKCS#8 PEM, to be sealed before it is stored. */
  privateKeyPem: string;
}

/** RSA-2048 (RFC 8301 §3.2: at least 1024, 2048 recommended) or Ed25519 (RFC 8463). */
export function createDkimKeyPair(algorithm: DkimAlgorithm): DkimKeyPair {
  if (algorithm === 'rsa') {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The JWK's x is exactly the raw public key RFC 8463 publishes (base64url there, base64 here).
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { publicKey: raw.toString('base64'), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
