import { displayDomain } from '@/lib/validations/domain';
import type { ClientServer, ClientSettings, Security } from './settings';
import { escapeXml } from './xml';

// Thunderbird's autoconfig document (clientConfig version 1.1), served at
// https://autoconfig.<domain>/mail/config-v1.1.xml and
// https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml. Thunderbird tries the
// servers of each kind in document order, so the preferred one comes first (IMAP before POP3).
// Thunderbird substitutes %EMAILADDRESS% with what the user typed; our usernames are full addresses.

const SOCKET_TYPE: Record<Security, string> = { tls: 'SSL', starttls: 'STARTTLS', none: 'plain' };

function server(tag: 'incomingServer' | 'outgoingServer', s: ClientServer): string {
  return [
    `    <${tag} type="${s.protocol}">`,
    `      <hostname>${escapeXml(s.hostname)}</hostname>`,
    `      <port>${s.port}</port>`,
    `      <socketType>${SOCKET_TYPE[s.security]}</socketType>`,
    // password-cleartext: AUTH PLAIN/LOGIN, inside the TLS the socketType asks for.
    '      <authentication>password-cleartext</authentication>',
    '      <username>%EMAILADDRESS%</username>',
    `    </${tag}>`,
  ].join('\n');
}

export function autoconfigXml(settings: ClientSettings): string {
  const domain = escapeXml(settings.domain);
  const name = escapeXml(displayDomain(settings.domain));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${domain}">`,
    `    <domain>${domain}</domain>`,
    `    <displayName>${name}</displayName>`,
    `    <displayShortName>${name}</displayShortName>`,
    ...[...settings.incoming, ...settings.pop3].map((s) => server('incomingServer', s)),
    ...settings.outgoing.map((s) => server('outgoingServer', s)),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}
