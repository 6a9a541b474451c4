import { ServiceError } from '@/lib/errors';
import { normalizeAddress } from '@/lib/validations/address';
import type { ClientServer, ClientSettings } from './settings';
import { escapeXml, unescapeXml } from './xml';

// Outlook's "plain old XML" autodiscover (POX, [MS-OXDSCLI]): the client POSTs
//   <Autodiscover xmlns=".../outlook/requestschema/2006"><Request><EMailAddress>…</EMailAddress>
//   <AcceptableResponseSchema>.../outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>
// to https://<domain>/autodiscover/autodiscover.xml or https://autodiscover.<domain>/…, and
// we answer with one IMAP and one SMTP protocol (the preferred of each), SPA off, SSL on.

/** The request is a few hundred bytes; anything much bigger is not an autodiscover request. */
export const MAX_AUTODISCOVER_REQUEST_BYTES = 16 * 1024;

export const OUTLOOK_RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const RESPONSE_NAMESPACE = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

// Element text by local name, any namespace prefix; only simple text content is read
// (the request has no nesting inside these elements). No DTD, no entities beyond XML's own.
function elementText(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`).exec(xml);
  return m ? unescapeXml(m[1]).trim() : null;
}

/** The address a POX request asks about, canonical; a malformed request is 'invalid'. */
export function readAutodiscoverRequest(xml: string): { address: string; domain: string } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new ServiceError('invalid', 'a document type declaration is not allowed in an autodiscover request');
  if (!/<(?:[A-Za-z_][\w.-]*:)?Autodiscover[\s/>]/.test(xml) || !/<(?:[A-Za-z_][\w.-]*:)?Request[\s/>]/.test(xml)) {
    throw new ServiceError('invalid', 'not an autodiscover request: expected <Autodiscover><Request>…</Request></Autodiscover>');
  }
  const schema = elementText(xml, 'AcceptableResponseSchema');
  if (schema && schema !== OUTLOOK_RESPONSE_SCHEMA) {
    throw new ServiceError('invalid', `only the Outlook response schema is offered (${OUTLOOK_RESPONSE_SCHEMA})`, 'AcceptableResponseSchema');
  }
  const email = elementText(xml, 'EMailAddress');
  if (!email) throw new ServiceError('invalid', 'the request names no <EMailAddress>', 'EMailAddress');
  const { address, domain } = normalizeAddress(email, 'EMailAddress');
  return { address, domain };
}

function protocol(s: ClientServer, address: string): string {
  const type = s.protocol === 'imap' ? 'IMAP' : 'SMTP';
  // Encryption: "SSL" is implicit TLS, "TLS" is STARTTLS, "None" is cleartext.
  const encryption = { tls: 'SSL', starttls: 'TLS', none: 'None' }[s.security];
  return [
    '      <Protocol>',
    `        <Type>${type}</Type>`,
    `        <Server>${escapeXml(s.hostname)}</Server>`,
    `        <Port>${s.port}</Port>`,
    '        <DomainRequired>off</DomainRequired>',
    `        <LoginName>${escapeXml(address)}</LoginName>`,
    // SPA is NTLM; our servers take AUTH PLAIN/LOGIN inside TLS.
    '        <SPA>off</SPA>',
    `        <SSL>${s.security === 'none' ? 'off' : 'on'}</SSL>`,
    `        <Encryption>${encryption}</Encryption>`,
    '        <AuthRequired>on</AuthRequired>',
    ...(s.protocol === 'smtp' ? ['        <UsePOPAuth>off</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>'] : []),
    '      </Protocol>',
  ].join('\n');
}

export function autodiscoverXml(settings: ClientSettings & { address: string }): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${RESPONSE_NAMESPACE}">`,
    `  <Response xmlns="${OUTLOOK_RESPONSE_SCHEMA}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    protocol(settings.incoming[0], settings.address),
    protocol(settings.outgoing[0], settings.address),
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}
