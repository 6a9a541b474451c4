import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Secrets at rest (private keys, TOTP secrets) are sealed with AES-256-GCM under a
// key derived from the master key (POSTERN_SECRET or the generated one in the data
// directory). Format: "v1:<iv>:<tag>:<ciphertext>", base64url parts.

function keyFrom(masterKey: string): Buffer {
  return createHash('sha256').update(`postern-seal-v1:${masterKey}`).digest();
}

export function seal(plaintext: string | Buffer, masterKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(masterKey), iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
}

export function unseal(sealed: string, masterKey: string): Buffer {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(masterKey), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}
