import { domainToASCII } from 'node:url';

/**
 * The domain a request's Host header names below a service label, or null:
 * "mta-sts.example.org:443" with label "mta-sts" → "example.org". The port and a
 * trailing dot are dropped; the label must be the first one (RFC 8461 §3.3 names the host
 * mta-sts.<domain>; Thunderbird asks autoconfig.<domain>).
 */
export function domainBelow(host: string | null, label: string): string | null {
  if (!host) return null;
  const name = domainToASCII(host.trim().replace(/:\d+$/, '').replace(/\.$/, '')).toLowerCase();
  const prefix = `${label}.`;
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : null;
}
