import ipaddr from 'ipaddr.js';
import type { DnsResolver } from '@/lib/dns/resolver';
import { boundedResolver, type LookupLimits } from './resolver';

// DNS blocklists (RFC 5782): the client's address reversed (octets for IPv4 §2.1, nibbles for
// IPv6 §2.4) under the list's zone, asked for A. An answer in 127.0.0.2-127.0.0.255 is a
// listing; 127.255.255.0/24 is what large lists answer to tell a querier it is refused or over
// its quota (e.g. Spamhaus 127.255.255.252-255), never a listing; anything else is no listing.

export const DNSBL_LIMITS: LookupLimits = { lookupMs: 3_000, totalMs: 5_000 };

export function dnsblName(ip: string, zone: string): string {
  const addr = ipaddr.process(ip);
  if (addr.kind() === 'ipv4') return `${(addr as ipaddr.IPv4).octets.slice().reverse().join('.')}.${zone}`;
  const hex = (addr as ipaddr.IPv6).toByteArray().map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.split('').reverse().join('.')}.${zone}`;
}

export type DnsblAnswer = { zone: string; status: 'listed'; code: string } | { zone: string; status: 'clear' } | { zone: string; status: 'error'; detail: string };

/** How one A answer reads (RFC 5782 §2.1, §5). */
export function classifyAnswer(addresses: string[]): 'listed' | 'refused' | 'clear' {
  const v4 = addresses.filter((a) => ipaddr.IPv4.isValidFourPartDecimal(a)).map((a) => ipaddr.IPv4.parse(a).octets);
  if (v4.some((o) => o[0] === 127 && o[1] === 255 && o[2] === 255)) return 'refused';
  if (v4.some((o) => o[0] === 127 && o[1] === 0 && o[2] === 0 && o[3] >= 2)) return 'listed';
  return 'clear';
}

export async function lookupDnsbl(resolver: Pick<DnsResolver, 'resolve'>, ip: string, zones: string[], limits = DNSBL_LIMITS): Promise<DnsblAnswer[]> {
  const resolve = boundedResolver(resolver, limits);
  return Promise.all(
    zones.map(async (zone): Promise<DnsblAnswer> => {
      try {
        const addresses = (await resolve(dnsblName(ip, zone), 'A')) as string[];
        const status = classifyAnswer(addresses);
        if (status === 'listed') return { zone, status, code: addresses.join(',') };
        if (status === 'refused') return { zone, status: 'error', detail: `list answered ${addresses.join(',')} (its own error code)` };
        return { zone, status: 'clear' };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTFOUND' || code === 'ENODATA') return { zone, status: 'clear' };
        return { zone, status: 'error', detail: code ?? (err as Error).message };
      }
    }),
  );
}
