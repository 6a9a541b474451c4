import { isTrusted, parseTrustedProxies } from '@/lib/auth/client-ip';

/**
 * Whether a scrape from `ip` may go without a token: its address is in the monitoring
 * settings' allow-list (addresses or CIDR ranges, IPv4 and IPv6). No address, no entry.
 */
export function scrapeAllowed(ip: string | undefined, allow: string[]): boolean {
  if (!ip || allow.length === 0) return false;
  return isTrusted(ip, parseTrustedProxies(allow.join(',')));
}
