// The halves of an address and its subaddress, with no imports: the panel's password
// strength meter runs in the browser and needs the local part as the server sees it.

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
