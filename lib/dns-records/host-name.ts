import os from 'node:os';
import type { Env } from '@/lib/config/env';
import type { DnsResolver } from '@/lib/dns/resolver';

// POSTERN_HOSTNAME is the name in the MX, the greeting (RFC 5321 §4.1.3 wants a fully
// qualified name), the certificates and every record of the DNS page. A bare or wrong name
// (a container's hostname, "localhost") breaks all of them silently, so it is said out loud.

/** The mail host's name as records carry it: lower-case, no trailing dot. */
export function hostNameOf(env: Pick<Env, 'POSTERN_HOSTNAME'>): string {
  return env.POSTERN_HOSTNAME.trim().toLowerCase().replace(/\.$/, '');
}

export interface HostNameReport {
  host: string;
  /** Each problem in one sentence; empty when the name is fine. */
  warnings: string[];
  /** What the name resolves to (empty when it does not). */
  addresses: string[];
}

/** The machine's own addresses (every interface, loopback included). */
export function localAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => !!i)
    .map((i) => i.address.toLowerCase());
}

/** A host name mail can use: has a dot, is not "localhost" or under it. */
export function isFullyQualified(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  return name.includes('.') && name !== 'localhost' && !name.endsWith('.localhost') && !/^[\d.]+$/.test(name) && !name.includes(':');
}

/**
 * Warns when the host name is not fully qualified, or does not resolve to an address of this
 * machine. Behind NAT the public address is not on an interface: the warning says so.
 */
export async function checkHostName(host: string, resolver: DnsResolver, local: string[] = localAddresses()): Promise<HostNameReport> {
  const name = hostNameOf({ POSTERN_HOSTNAME: host });
  const warnings: string[] = [];
  if (!isFullyQualified(name)) {
    warnings.push(`POSTERN_HOSTNAME is "${name}", not a fully qualified name (like mail.example.org): the MX, the greeting and the certificates need one.`);
    return { host: name, warnings, addresses: [] };
  }
  let addresses: string[] = [];
  try {
    addresses = (await resolver.addresses(name)).map((a) => a.toLowerCase());
  } catch (err) {
    warnings.push(`POSTERN_HOSTNAME ${name} does not resolve (${(err as Error).message}): publish its A/AAAA records.`);
    return { host: name, warnings, addresses };
  }
  if (!addresses.some((a) => local.includes(a))) {
    warnings.push(`POSTERN_HOSTNAME ${name} resolves to ${addresses.join(', ')}, none of them an address of this server (${local.filter((a) => a !== '127.0.0.1' && a !== '::1' && !a.startsWith('fe80:')).join(', ') || 'loopback only'}); fine behind NAT or a proxy that forwards to it, wrong otherwise.`);
  }
  return { host: name, warnings, addresses };
}

/**
 * checkHostName remembered for `ttlMs` while it finds nothing wrong: the dashboard shows it on
 * every render, and a right host name rarely turns wrong. A warning is asked again at the next
 * render, so the admin who has just published the record sees the fix at once.
 */
export function rememberedHostNameCheck(resolver: () => DnsResolver, ttlMs = 5 * 60_000): (host: string, now?: number) => Promise<HostNameReport> {
  let good: { host: string; at: number; report: HostNameReport } | null = null;
  return async (host, now = Date.now()) => {
    if (good && good.host === host && now - good.at < ttlMs) return good.report;
    const report = await checkHostName(host, resolver());
    good = report.warnings.length ? null : { host, at: now, report };
    return report;
  };
}

/** What a certificate form may prefill for the host names: the host name only when it is fully qualified. */
export function hostNamePrefill(host: string): string {
  return isFullyQualified(host) ? hostNameOf({ POSTERN_HOSTNAME: host }) : '';
}
