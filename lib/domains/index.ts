export { addDomain, type DomainDto } from './add-domain';
export { listDomains, type DomainListItem } from './list-domains';
export { domainsUsedBytes } from './used-bytes';
export { removeDomain } from './remove-domain';
export { setDomainEnabled } from './set-domain-enabled';
export { findDomainInScope, requireGlobal, type ScopedDomain } from './scope';
