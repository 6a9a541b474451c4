// The DKIM keys service layer (RFC 6376, RFC 8463): used by the panel (through lib/dal), the CLI and the daemon.
export { dkimRecordName, dkimRecordValue, type DkimAlgorithm } from './dns-record';
export { dkimDnsRecords, type DkimDnsRecord } from './dns-records';
export { generateDkimKey } from './generate-dkim-key';
export { listDkimKeys, dkimDnsRecordsFor } from './list-dkim-keys';
export { checkDkimDns, type DkimDnsCheck } from './check-dkim-dns';
export { compareDkimRecords } from './compare-record';
export { activateDkimKey, type ActivatedDkimKey } from './activate-dkim-key';
export { retireDkimKey, type RetiredDkimKey } from './retire-dkim-key';
export { retireExpiredDkimKeys } from './retire-expired-dkim-keys';
export { dkimSigningKeys, type DkimSigningKey } from './signing-keys';
export { generateDkimKeySchema, dkimKeyRefSchema, type GenerateDkimKeyInput, type DkimKeyRef } from './schemas';
export type { DkimKeyView, DkimKeyStatus, DkimDnsStatus } from './view';
