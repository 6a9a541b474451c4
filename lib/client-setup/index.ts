// Client autoconfiguration: what Thunderbird, Outlook and Apple devices are told, from one set of facts.
export { clientSettings, describeSecurity, STANDARD_PORTS, type ClientServer, type ClientSettings, type Security } from './settings';
export { clientSettingsFor, findEnabledDomain, type ServerFacts } from './domain';
export { autoconfigXml } from './autoconfig';
export { autodiscoverXml, readAutodiscoverRequest, MAX_AUTODISCOVER_REQUEST_BYTES } from './autodiscover';
export { mobileconfigXml, nameUuid, profileIdentifier } from './mobileconfig';
export { domainBelow } from './host';
export { escapeXml } from './xml';
