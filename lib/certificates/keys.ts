import { processSecrets } from '@/lib/config/secrets';
import { seal, unseal } from '@/lib/crypto/seal';

// Private keys exist in clear only in memory, between generation (or unsealing)
// and use. Every stored copy goes through seal() with the master key.

/** The master key: POSTERN_SECRET, or the generated one in the data directory. */
export function masterKey(): string {
  return processSecrets().masterKey;
}

export function sealKey(pem: string): string {
  return seal(pem, masterKey());
}

export function unsealKey(sealed: string): string {
  return unseal(sealed, masterKey()).toString('utf8');
}
