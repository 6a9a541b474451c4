import { createHash } from 'node:crypto';
import { displayDomain } from '@/lib/validations/domain';
import type { ClientSettings } from './settings';
import { escapeXml } from './xml';

// An Apple configuration profile (.mobileconfig: a property list) that adds one IMAP account
// on iOS, iPadOS and macOS: a Configuration payload holding one com.apple.mail.managed payload.
// It carries no password (the device asks for it) and it is UNSIGNED: the device shows it as
// "Not Verified" when it is installed. Signing would need a certificate Apple devices trust.
//
// Apple Mail takes one incoming and one outgoing server: the preferred of each.

/** A fixed namespace for the name-based UUIDs below (RFC 9562 §5.5). */
const NAMESPACE = Buffer.from('6f1e0c0a6b7d4d3c9e5f2a1b8c7d6e5f', 'hex');

/** RFC 9562 §5.5 UUIDv5: the same address always yields the same PayloadUUIDs, so a reinstall replaces the account. */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

type Plist = string | number | boolean | Plist[] | { [key: string]: Plist };

function plist(value: Plist, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${value}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  const inner = `${indent}\t`;
  if (Array.isArray(value)) return [`${indent}<array>`, ...value.map((v) => plist(v, inner)), `${indent}</array>`].join('\n');
  return [`${indent}<dict>`, ...Object.entries(value).flatMap(([k, v]) => [`${inner}<key>${escapeXml(k)}</key>`, plist(v, inner)]), `${indent}</dict>`].join('\n');
}

/** The profile identifier: the domain reversed (com.example.…), then one stable token per address. */
export function profileIdentifier(address: string, domain: string): string {
  return `${domain.split('.').reverse().join('.')}.postern.${createHash('sha256').update(address).digest('hex').slice(0, 12)}`;
}

export function mobileconfigXml(settings: ClientSettings & { address: string }, displayName?: string | null): string {
  const { address, domain } = settings;
  const incoming = settings.incoming[0];
  const outgoing = settings.outgoing[0];
  const identifier = profileIdentifier(address, domain);
  const name = displayDomain(domain);
  const account: Plist = {
    EmailAccountDescription: address,
    EmailAccountName: displayName || address,
    EmailAccountType: 'EmailTypeIMAP',
    EmailAddress: address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: incoming.hostname,
    IncomingMailServerPortNumber: incoming.port,
    IncomingMailServerUseSSL: incoming.security !== 'none',
    IncomingMailServerUsername: address,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: outgoing.hostname,
    OutgoingMailServerPortNumber: outgoing.port,
    OutgoingMailServerUseSSL: outgoing.security !== 'none',
    OutgoingMailServerUsername: address,
    OutgoingPasswordSameAsIncomingPassword: true,
    PayloadDisplayName: `Mail: ${address}`,
    PayloadIdentifier: `${identifier}.mail`,
    PayloadType: 'com.apple.mail.managed',
    PayloadUUID: nameUuid(`mail:${address}`),
    PayloadVersion: 1,
  };
  const profile: Plist = {
    PayloadContent: [account],
    PayloadDescription: `Sets up the mail account ${address} (IMAP and SMTP over TLS on ${incoming.hostname}). The password is asked for on the device.`,
    PayloadDisplayName: `${name} mail`,
    PayloadIdentifier: identifier,
    PayloadOrganization: name,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: nameUuid(`profile:${address}`),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plist(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}
