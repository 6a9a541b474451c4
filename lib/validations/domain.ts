import { domainToASCII, domainToUnicode } from 'node:url';
import { ServiceError } from '@/lib/errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The canonical form of a mail domain: lower-case ASCII, IDN labels as punycode
 * A-labels ("Bücher.Example" → "xn--bcher-kva.example"), no trailing dot. What the
 * panel stores is exactly what SMTP and IMAP look up.
 */
export function normalizeDomain(input: string, field = 'domain'): string {
  const raw = String(input ?? '').trim().replace(/\.$/, '');
  if (!raw) throw new ServiceError('invalid', 'a domain name is required', field);
  if (/\s/.test(raw)) throw new ServiceError('invalid', `"${raw}" is not a domain name (spaces)`, field);
  // domainToASCII applies UTS #46 mapping (lower-case, punycode) and returns '' when invalid.
  const ascii = domainToASCII(raw).toLowerCase();
  if (!ascii) throw new ServiceError('invalid', `"${raw}" is not a domain name`, field);
  if (ascii.length > 253) throw new ServiceError('invalid', 'a domain name is at most 253 characters', field);
  const labels = ascii.split('.');
  if (labels.length < 2) throw new ServiceError('invalid', `"${raw}" needs a dot (e.g. example.org)`, field);
  for (const label of labels) {
    if (!LABEL.test(label)) throw new ServiceError('invalid', `"${raw}" is not a domain name (label "${label}")`, field);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) {
    throw new ServiceError('invalid', `"${raw}" is not a domain name (numeric top-level label)`, field);
  }
  return ascii;
}

/** For display only: "xn--bcher-kva.example" → "bücher.example". Storage and lookups use the ASCII form. */
export function displayDomain(name: string): string {
  return domainToUnicode(name) || name;
}
