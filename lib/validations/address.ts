import { ServiceError } from '@/lib/errors';
import { splitAddress } from './address-parts';
import { normalizeDomain } from './domain';

// RFC 5322 dot-atom text; quoted local parts are legal but nobody hands them out, and
// accepting them would make every downstream lookup harder.
const ATEXT = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

export interface NormalizedAddress {
  address: string;
  localPart: string;
  domain: string;
}

// Splitting needs no Node module and runs in the browser too; it lives in ./address-parts.
export { splitAddress, stripSubaddress, type AddressParts } from './address-parts';

/** Checks and lower-cases a local part (the part before "@"). */
export function normalizeLocalPart(input: string, field = 'address'): string {
  const local = String(input ?? '').trim().toLowerCase();
  if (!local) throw new ServiceError('invalid', 'the part before "@" is empty', field);
  if (local.length > 64) throw new ServiceError('invalid', 'the part before "@" is at most 64 characters', field);
  if (/\s/.test(local)) throw new ServiceError('invalid', 'an address cannot contain spaces', field);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw new ServiceError('invalid', 'dots cannot start, end or repeat in the part before "@"', field);
  }
  for (const atom of local.split('.')) {
    if (!ATEXT.test(atom)) throw new ServiceError('invalid', `"${input}" contains a character not allowed in an address`, field);
  }
  return local;
}

/**
 * The canonical form of a mailbox address: local part lower-cased, domain canonical
 * (IDN → punycode). Case-insensitive local parts are what every mail admin expects.
 */
export function normalizeAddress(input: string, field = 'address'): NormalizedAddress {
  const raw = String(input ?? '').trim();
  if (!raw) throw new ServiceError('invalid', 'an address is required', field);
  if (/\s/.test(raw)) throw new ServiceError('invalid', `"${raw}" cannot contain spaces`, field);
  const parts = splitAddress(raw);
  if (!parts.local || !parts.domain) throw new ServiceError('invalid', `"${raw}" is not an address (name@domain)`, field);
  const localPart = normalizeLocalPart(parts.local, field);
  const domain = normalizeDomain(parts.domain, field);
  const address = `${localPart}@${domain}`;
  if (address.length > 254) throw new ServiceError('invalid', 'an address is at most 254 characters', field);
  return { address, localPart, domain };
}

/** An alias source: a full address, or "@domain" for the domain's catch-all. */
export function normalizeAliasSource(input: string, field = 'source'): { source: string; domain: string; catchAll: boolean } {
  const raw = String(input ?? '').trim();
  if (raw.startsWith('@')) {
    const domain = normalizeDomain(raw.slice(1), field);
    return { source: `@${domain}`, domain, catchAll: true };
  }
  const a = normalizeAddress(raw, field);
  return { source: a.address, domain: a.domain, catchAll: false };
}
