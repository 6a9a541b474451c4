import { DnsError, type DnsResolver } from '@/lib/dns/resolver';

// RFC 5321 §5.1: where mail for a domain goes. MX records sorted by preference, equal
// preferences in random order; no MX at all → the domain's own address records are an
// implicit MX of preference 0. RFC 7505: a single MX with an empty exchange ("." on the
// wire) says the domain accepts no mail.

export interface MxHost {
  /** Host name, lowercase, no trailing dot. */
  host: string;
  preference: number;
  /** True when there was no MX and the domain itself is the host (RFC 5321 §5.1). */
  implicit: boolean;
}

/** A routing failure, already in the words of a recipient outcome. */
export interface RouteFailure {
  outcome: 'failed' | 'deferred';
  code: number | null;
  enhanced: string;
  reply: string;
}

export type Route = { ok: true; hosts: MxHost[] } | { ok: false; failure: RouteFailure };

/** Shuffles in place (Fisher–Yates) with the given source of randomness. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export function dnsDeferral(err: unknown, what: string): RouteFailure {
  const detail = err instanceof DnsError ? err.code : String(err);
  // RFC 3463 4.4.3: "Directory server failure" — the DNS did not answer.
  return { outcome: 'deferred', code: null, enhanced: '4.4.3', reply: `DNS lookup of ${what} failed temporarily (${detail})` };
}

/** Orders MX records as RFC 5321 §5.1 says: by preference, random among equals. */
export function orderMx(records: Array<{ exchange: string; priority: number }>, random: () => number = Math.random): MxHost[] {
  const byPreference = new Map<number, string[]>();
  for (const r of records) {
    const host = r.exchange.replace(/\.$/, '').toLowerCase();
    const list = byPreference.get(r.priority) ?? [];
    if (!list.includes(host)) list.push(host);
    byPreference.set(r.priority, list);
  }
  const out: MxHost[] = [];
  for (const preference of [...byPreference.keys()].sort((a, b) => a - b)) {
    for (const host of shuffle(byPreference.get(preference)!, random)) out.push({ host, preference, implicit: false });
  }
  return out;
}

export async function route(resolver: DnsResolver, domain: string, random: () => number = Math.random): Promise<Route> {
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolver.mx(domain);
  } catch (err) {
    if (err instanceof DnsError && err.code === 'NXDOMAIN') {
      // RFC 3463 5.1.2: "Bad destination system address" — the domain does not exist.
      return { ok: false, failure: { outcome: 'failed', code: null, enhanced: '5.1.2', reply: `Domain ${domain} does not exist (NXDOMAIN)` } };
    }
    if (err instanceof DnsError && err.code === 'NODATA') records = [];
    else return { ok: false, failure: dnsDeferral(err, `MX ${domain}`) };
  }

  // RFC 7505 §3: a null MX is a single record with an empty exchange. An empty exchange
  // among other records is an error in the zone; those other records are still usable.
  const isNull = (r: { exchange: string }) => r.exchange === '' || r.exchange === '.';
  if (records.length === 1 && isNull(records[0])) {
    // RFC 7505 §4.1 / RFC 7504 §3: 556 5.1.10 "domain does not accept mail".
    return { ok: false, failure: { outcome: 'failed', code: 556, enhanced: '5.1.10', reply: `Domain ${domain} does not accept mail (null MX)` } };
  }
  const usable = records.filter((r) => !isNull(r));
  if (usable.length) return { ok: true, hosts: orderMx(usable, random) };

  // RFC 5321 §5.1: no MX → the domain's A/AAAA as an implicit MX of preference 0. The
  // transport resolves the addresses; here we only check the domain has some.
  try {
    await resolver.addresses(domain);
  } catch (err) {
    if (err instanceof DnsError && err.permanent) {
      return { ok: false, failure: { outcome: 'failed', code: null, enhanced: '5.1.2', reply: `Domain ${domain} has no MX and no address records` } };
    }
    return { ok: false, failure: dnsDeferral(err, `A/AAAA ${domain}`) };
  }
  return { ok: true, hosts: [{ host: domain.toLowerCase(), preference: 0, implicit: true }] };
}
