import { ServiceError } from '@/lib/errors';
import { normalizeDomain } from './domain';

// RFC 5322 dot-atom text; quoted local parts are legal but nobody hands them out, and
// accepting them would make every downstream lookup harder.
const ATEXT = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

export interface NormalizedAddress {
  address: string;
  localPart: string;
  domain: string;
}

/** The two halves of an addr-spec (RFC 5322 section 3.4.1): local-part "@" domain. */
export interface AddressParts {
  local: string;
  domain: string;
}

/**
 * Splits an address at its last "@": a domain never contains "@", a quoted local part may
 * ("\"a@b\"@example.org" → "\"a@b\"" and "example.org"). Without "@" the whole input is the
 * local part and the domain is "". Nothing is checked or lower-cased: that is normalizeAddress.
 */
export function splitAddress(address: string): AddressParts {
  const at = address.lastIndexOf('@');
  return at === -1 ? { local: address, domain: '' } : { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/**
 * An address (or a bare local part) without its subaddress (RFC 5233): with delimiter "+",
 * "alice+lists@example.org" → "alice@example.org" and "alice+lists" → "alice". Returned unchanged
 * when the delimiter is empty (subaddressing off), absent, or first in the local part ("+lists"
 * has no mailbox name before it). A local part that contains "@" must be passed as a full address.
 */
export function stripSubaddress(addressOrLocal: string, delimiter: string): string {
  if (!delimiter) return addressOrLocal;
  const hasDomain = addressOrLocal.includes('@');
  const { local, domain } = hasDomain ? splitAddress(addressOrLocal) : { local: addressOrLocal, domain: '' };
  const cut = local.indexOf(delimiter);
  if (cut <= 0) return addressOrLocal;
  return hasDomain ? `${local.slice(0, cut)}@${domain}` : local.slice(0, cut);
}

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
