// What each domain must publish in DNS, checked live: used by the panel (through lib/dal), the CLI and the daemon.
export { expectedRecords, type ExpectedRecord, type ExpectedRecords, type HostEnv, type RecordKind } from './expected';
export { checkDomainDns, checkRecords, checkResolver, lastDnsCheck, type CheckedRecord, type DnsCheckReport, type RecordState } from './check';
export { zoneFile } from './zone';
export { getDomainDns, checkDomainDnsNow, getDomainZone, type DomainDns } from './domain-dns';
export { checkHostName, hostNameOf, rememberedHostNameCheck, hostNamePrefill, isFullyQualified, localAddresses, type HostNameReport } from './host-name';
export { dnsCheckSummaries, countDomainsWithDnsProblems, type DnsCheckSummary } from './summary';
