import { normalizeDomain } from '@/lib/validations/domain';
import { ServiceError } from '@/lib/errors';
import { isIpAddress } from './x509';

export const MAX_HOSTS = 100;

/**
 * Host names for a server certificate: canonical ASCII (the same normalizer the
 * panel and daemon use), "*." wildcards allowed in the left-most label, IP addresses
 * kept as they are; de-duplicated, order kept (the first becomes the CN).
 */
export function normalizeHosts(input: string[] | string, field = 'hosts'): string[] {
  const list = (Array.isArray(input) ? input : input.split(/[\s,]+/)).map((h) => h.trim()).filter(Boolean);
  if (!list.length) throw new ServiceError('invalid', 'at least one host name is required', field);
  if (list.length > MAX_HOSTS) throw new ServiceError('invalid', `at most ${MAX_HOSTS} host names`, field);
  const out: string[] = [];
  for (const raw of list) {
    let host: string;
    if (isIpAddress(raw)) host = raw.toLowerCase();
    else if (raw.startsWith('*.')) host = `*.${normalizeDomain(raw.slice(2), field)}`;
    else host = normalizeDomain(raw, field);
    if (!out.includes(host)) out.push(host);
  }
  return out;
}

/** RFC 6125 matching: exact, or a "*." pattern covering exactly one left-most label. */
export function hostCovered(patterns: string[], host: string): boolean {
  const name = host.toLowerCase();
  return patterns.some((p) => {
    const pattern = p.toLowerCase();
    if (pattern === name) return true;
    if (!pattern.startsWith('*.')) return false;
    const dot = name.indexOf('.');
    return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
  });
}

/**
 * Which certificate a listener serves to a client naming `name` (SNI): among those the service
 * may use (no services listed = every service; none usable = all of them), the exact name first,
 * then a wildcard covering it, then the first (the most recently activated, as callers order them).
 */
export function chooseServed<T extends { hosts: string[]; services: string[] }>(certificates: T[], name?: string, service?: string): T | undefined {
  const usable = certificates.filter((c) => !service || c.services.length === 0 || c.services.includes(service));
  const pool = usable.length ? usable : certificates;
  const host = name?.toLowerCase().replace(/\.$/, '');
  if (host) {
    const exact = pool.find((c) => c.hosts.some((h) => h.toLowerCase() === host));
    if (exact) return exact;
    const wild = pool.find((c) => hostCovered(c.hosts, host));
    if (wild) return wild;
  }
  return pool[0];
}
