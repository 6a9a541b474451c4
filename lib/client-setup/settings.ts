// What a mail client must be told to reach Postern: one list of servers, written once and
// rendered as Thunderbird's autoconfig, Outlook's autodiscover, an Apple profile and the
// panel's client settings card, so the four never disagree.
//
// RFC 8314 §5.1: implicit TLS (IMAP 993, POP3 995, submissions 465) is preferred over STARTTLS (587).
// IMAP is preferred over POP3 (as the SRV priorities say, RFC 6186): POP3 is for clients that download.
// Clients are told the standard ports, not the daemon's listen ports: those are often
// remapped (2993, 2465…) behind a port forward or a container's published ports.

/** How a client secures the connection: implicit TLS, STARTTLS, or none at all. */
export type Security = 'tls' | 'starttls' | 'none';

export interface ClientServer {
  protocol: 'imap' | 'pop3' | 'smtp';
  hostname: string;
  port: number;
  security: Security;
}

export interface ClientSettings {
  /** The full address: it is also the username on every server. */
  address: string | null;
  domain: string;
  /** IMAP servers, preferred first. */
  incoming: ClientServer[];
  /** POP3 servers, preferred first (credentials only inside TLS: never a cleartext one). */
  pop3: ClientServer[];
  /** SMTP submission servers, preferred first. */
  outgoing: ClientServer[];
}

export interface ClientSettingsInput {
  /** POSTERN_HOSTNAME: the name the certificates cover and clients connect to. */
  hostname: string;
  domain: string;
  address?: string | null;
  /** The daemon also runs IMAP with STARTTLS (POSTERN_IMAP_PORT is set). */
  imapStartTls?: boolean;
  /** The daemon also runs POP3 with STLS (POSTERN_POP3_PORT is set). */
  pop3StartTls?: boolean;
  /** Policy allowCleartextAuth: only then may a server without TLS be named at all (last). */
  allowCleartextAuth: boolean;
}

export const STANDARD_PORTS = { imaps: 993, imap: 143, pop3s: 995, pop3: 110, submissions: 465, submission: 587 } as const;

export function clientSettings(input: ClientSettingsInput): ClientSettings {
  const server = (protocol: ClientServer['protocol'], port: number, security: Security): ClientServer => ({ protocol, hostname: input.hostname, port, security });
  const incoming = [server('imap', STANDARD_PORTS.imaps, 'tls')];
  if (input.imapStartTls) incoming.push(server('imap', STANDARD_PORTS.imap, 'starttls'));
  const pop3 = [server('pop3', STANDARD_PORTS.pop3s, 'tls')];
  if (input.pop3StartTls) pop3.push(server('pop3', STANDARD_PORTS.pop3, 'starttls'));
  const outgoing = [server('smtp', STANDARD_PORTS.submissions, 'tls'), server('smtp', STANDARD_PORTS.submission, 'starttls')];
  if (input.allowCleartextAuth) {
    if (input.imapStartTls) incoming.push(server('imap', STANDARD_PORTS.imap, 'none'));
    outgoing.push(server('smtp', STANDARD_PORTS.submission, 'none'));
  }
  return { address: input.address ?? null, domain: input.domain, incoming, pop3, outgoing };
}

/** The security of a server in words, for people (the panel card). */
export function describeSecurity(security: Security): string {
  return { tls: 'SSL/TLS (implicit TLS)', starttls: 'STARTTLS', none: 'none (cleartext: only if the policy allows it)' }[security];
}
