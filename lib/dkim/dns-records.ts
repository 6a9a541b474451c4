import type { Db } from '@/lib/db/prisma';
import { dkimRecordName, dkimRecordValue, type DkimAlgorithm } from './dns-record';

export interface DkimDnsRecord {
  selector: string;
  status: 'pending' | 'active' | 'retiring';
  /** `<selector>._domainkey.<domain>` */
  name: string;
  /** The TXT value, before splitting into character-strings (lib/dns/txt.ts). */
  value: string;
}

/**
 * The DKIM records a domain must have published now: the signing key, a pending key (published
 * before it signs), and retiring keys (verifiers of mail still in flight need them). Retired keys'
 * records may go.
 */
export async function dkimDnsRecords(db: Db, domainId: string): Promise<DkimDnsRecord[]> {
  const [domain, keys] = await Promise.all([
    db.domain.findUniqueOrThrow({ where: { id: domainId }, select: { name: true } }),
    db.dkimKey.findMany({
      where: { domainId, status: { in: ['pending', 'active', 'retiring'] } },
      select: { selector: true, status: true, algorithm: true, publicKey: true },
      orderBy: { createdAt: 'asc' },
    }),
  ]);
  return keys.map((k) => ({
    selector: k.selector,
    status: k.status as DkimDnsRecord['status'],
    name: dkimRecordName(k.selector, domain.name),
    value: dkimRecordValue(k.algorithm as DkimAlgorithm, k.publicKey),
  }));
}
