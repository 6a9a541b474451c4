import { txtStrings } from '@/lib/dns/txt';
import { dkimRecordName, dkimRecordValue, type DkimAlgorithm } from './dns-record';

export type DkimKeyStatus = 'pending' | 'active' | 'retiring' | 'retired';
export type DkimDnsStatus = 'found' | 'different' | 'missing' | 'failed';

/** What the panel and the CLI show of a key: never its private half. */
export interface DkimKeyView {
  id: string;
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  status: DkimKeyStatus;
  createdAt: Date;
  activatedAt: Date | null;
  retiringAt: Date | null;
  retireAfter: Date | null;
  retiredAt: Date | null;
  dnsStatus: DkimDnsStatus | null;
  dnsCheckedAt: Date | null;
  record: {
    name: string;
    value: string;
    /** The value as DNS carries it: character-strings of at most 255 octets (RFC 1035 §3.3.14). */
    strings: string[];
  };
}

/** The columns a view needs; the sealed private key is never selected. */
export const DKIM_VIEW_SELECT = {
  id: true, selector: true, algorithm: true, publicKey: true, status: true, createdAt: true, activatedAt: true,
  retiringAt: true, retireAfter: true, retiredAt: true, dnsStatus: true, dnsCheckedAt: true,
} as const;

type ViewRow = {
  id: string; selector: string; algorithm: string; publicKey: string; status: string; createdAt: Date; activatedAt: Date | null;
  retiringAt: Date | null; retireAfter: Date | null; retiredAt: Date | null; dnsStatus: string | null; dnsCheckedAt: Date | null;
};

export function toDkimKeyView(domain: string, row: ViewRow): DkimKeyView {
  const algorithm = row.algorithm as DkimAlgorithm;
  const value = dkimRecordValue(algorithm, row.publicKey);
  return {
    id: row.id,
    domain,
    selector: row.selector,
    algorithm,
    status: row.status as DkimKeyStatus,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
    retiringAt: row.retiringAt,
    retireAfter: row.retireAfter,
    retiredAt: row.retiredAt,
    dnsStatus: row.dnsStatus as DkimDnsStatus | null,
    dnsCheckedAt: row.dnsCheckedAt,
    record: { name: dkimRecordName(row.selector, domain), value, strings: txtStrings(value) },
  };
}
