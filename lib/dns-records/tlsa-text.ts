import type { TlsaRecord } from '@/lib/dns/resolver';

/** A TLSA record in zone-file form: `usage selector matching-type hex` (RFC 6698 §2.2). */
export function tlsaRecordText(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex')}`;
}
