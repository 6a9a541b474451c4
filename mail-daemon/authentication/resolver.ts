import dns from 'node:dns';
import type { DnsResolver } from '@/lib/dns/resolver';

// mailauth asks DNS through an injectable function with node:dns's shape (resolve(name, rrtype))
// and reads node:dns's error codes: ENOTFOUND/ENODATA are definite answers, everything else
// (ETIMEOUT, ESERVFAIL…) makes the method's result temperror (RFC 7208 §2.6.6, RFC 6376 §6.1.2,
// RFC 7489 §6.6.3). A silent server must give temperror in bounded time, never hold the SMTP
// transaction: every lookup has its own timeout, and all lookups for one message share a deadline.

export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown>;

export interface LookupLimits {
  /** One lookup's longest wait. */
  lookupMs: number;
  /** All lookups for one message together (SPF with its includes, DKIM keys, DMARC, ARC). */
  totalMs: number;
}

/** RFC 7208 §4.6.4 suggests at least 20 seconds for a whole SPF evaluation; all checks share this. */
export const LOOKUP_LIMITS: LookupLimits = { lookupMs: 5_000, totalMs: 20_000 };

function timeout(name: string): Error {
  return Object.assign(new Error(`DNS timeout for ${name}`), { code: dns.TIMEOUT });
}

/** A resolver for one message's checks: lib/dns's resolve() bounded per lookup and in total. */
export function boundedResolver(resolver: Pick<DnsResolver, 'resolve'>, limits: LookupLimits = LOOKUP_LIMITS): MailauthResolver {
  const deadline = Date.now() + limits.totalMs;
  return async (name, rrtype) => {
    const left = Math.min(limits.lookupMs, deadline - Date.now());
    if (left <= 0) throw timeout(name);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeout(name)), left);
    });
    const lookup = resolver.resolve(name, rrtype);
    lookup.catch(() => {}); // settles after the timer won: nobody waits for it any more
    try {
      return await Promise.race([lookup, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
