import type { DbOrTx } from '@/lib/audit/types';
import { chooseServed, hostCovered } from './hosts';

export type ServedService = 'smtp' | 'submission' | 'imap';

export interface HostCertificate {
  id: string;
  certPem: string;
  notBefore: Date | null;
}

export interface HostCertificates {
  /** What each listener serves to a client naming the host (the daemon's pick: lib/certificates/tls-provider.ts). */
  served: Record<ServedService, HostCertificate | null>;
  /** PENDING certificates covering the host: the next ones, whose TLSA must be published before activation. */
  pending: HostCertificate[];
}

const SERVICES: ServedService[] = ['smtp', 'submission', 'imap'];

/**
 * The certificates for `host` as the daemon chooses them: among the ACTIVE ones a listener may
 * use (services empty = all), the exact name first, then a wildcard, then the default (the most
 * recently activated).
 */
export async function certificatesForHost(db: DbOrTx, host: string, now = new Date()): Promise<HostCertificates> {
  const rows = await db.certificate.findMany({
    where: { status: { in: ['ACTIVE', 'PENDING'] }, certPem: { not: null }, revokedAt: null },
    select: { id: true, status: true, hosts: true, services: true, certPem: true, notBefore: true, notAfter: true },
    orderBy: [{ activatedAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }],
  });
  const name = host.toLowerCase();
  const active = rows.filter((r) => r.status === 'ACTIVE');
  const pick = (service: ServedService): HostCertificate | null => {
    const chosen = chooseServed(active, name, service);
    return chosen ? { id: chosen.id, certPem: chosen.certPem!, notBefore: chosen.notBefore } : null;
  };
  const served = Object.fromEntries(SERVICES.map((s) => [s, pick(s)])) as HostCertificates['served'];
  const pending = rows
    .filter((r) => r.status === 'PENDING' && hostCovered(r.hosts, name) && (!r.notAfter || r.notAfter > now))
    .map((r) => ({ id: r.id, certPem: r.certPem!, notBefore: r.notBefore }));
  return { served, pending };
}
