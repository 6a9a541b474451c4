import { readEnv, type Env } from '@/lib/config/env';
import type { Db } from '@/lib/db/prisma';
import { daneEeRecord, spkiSha256 } from '@/lib/certificates/tlsa';
import { certificatesForHost, type ServedService } from '@/lib/certificates/served-for-host';
import { dkimDnsRecords } from '@/lib/dkim/dns-records';
import { domainMtaStsPolicy } from '@/lib/mta-sts/domain-policy';
import { mtaStsRecordValue } from '@/lib/mta-sts/policy';
import { getEffectivePolicy } from '@/lib/policy';
import { tlsRptAddress } from '@/lib/tls-reports/address';
import { hostNameOf } from './host-name';

// Every record a domain must publish for mail to reach it, be trusted and be found by clients,
// each with the RFC that asks for it. Records name the standard ports (25, 465, 587, 993, 143, 995, 110):
// those are what senders and clients use, whatever port the daemon listens on behind a forward.

/** How a record is checked (lib/dns-records/check.ts). */
export type RecordKind = 'mx' | 'address' | 'fcrdns' | 'txt' | 'alias' | 'srv' | 'tlsa';

export interface ExpectedRecord {
  /** Stable within a domain: `mx`, `spf`, `dkim:<selector>`, `srv:_imaps._tcp`, `tlsa:25`, `tlsa-next:25:<cert id>`. */
  id: string;
  kind: RecordKind;
  /** Owner name, without the trailing dot. */
  name: string;
  /** `A/AAAA` stands for the host's addresses of both families. */
  type: 'MX' | 'A/AAAA' | 'PTR' | 'TXT' | 'CNAME' | 'SRV' | 'TLSA';
  /** The record data in zone-file form (TXT unquoted; names absolute, with the dot). */
  value: string;
  purpose: string;
  rfc: string;
  /** What the admin should know beyond the value. */
  note?: string;
  /** TXT: the tag or prefix that marks our record among others at the same name (`v=spf1`). */
  marker?: string;
}

export interface ExpectedRecords {
  domain: string;
  host: string;
  records: ExpectedRecord[];
  /** The MTA-STS policy file for https://mta-sts.<domain>/.well-known/mta-sts.txt; null when the policy mode is none. */
  mtaStsPolicy: string | null;
  /** Records we deliberately do not ask for, and why. */
  omitted: string[];
}

export type HostEnv = Pick<Env, 'POSTERN_HOSTNAME' | 'POSTERN_SMTP_PORT' | 'POSTERN_SUBMISSION_PORT' | 'POSTERN_SUBMISSIONS_PORT' | 'POSTERN_IMAPS_PORT' | 'POSTERN_IMAP_PORT' | 'POSTERN_POP3S_PORT' | 'POSTERN_POP3_PORT'>;

interface Port {
  standard: number;
  listen: number | undefined;
  variable: string;
  service: ServedService;
  label: string;
}

function ports(env: HostEnv): Port[] {
  const list: Port[] = [
    { standard: 25, listen: env.POSTERN_SMTP_PORT, variable: 'POSTERN_SMTP_PORT', service: 'smtp', label: 'SMTP (MX)' },
    { standard: 465, listen: env.POSTERN_SUBMISSIONS_PORT, variable: 'POSTERN_SUBMISSIONS_PORT', service: 'submission', label: 'submission over TLS' },
    { standard: 587, listen: env.POSTERN_SUBMISSION_PORT, variable: 'POSTERN_SUBMISSION_PORT', service: 'submission', label: 'submission with STARTTLS' },
    { standard: 993, listen: env.POSTERN_IMAPS_PORT, variable: 'POSTERN_IMAPS_PORT', service: 'imap', label: 'IMAP over TLS' },
  ];
  if (env.POSTERN_IMAP_PORT) list.push({ standard: 143, listen: env.POSTERN_IMAP_PORT, variable: 'POSTERN_IMAP_PORT', service: 'imap', label: 'IMAP with STARTTLS' });
  return list;
}

/**
 * The ports whose TLSA records the DNS page lists (`_<port>._tcp.<host>`), each with the
 * listener that serves it: what an activation must keep matching (lib/certificates/activate-certificate.ts).
 */
export function tlsaPorts(env: HostEnv): { port: number; service: ServedService }[] {
  return ports(env).map((p) => ({ port: p.standard, service: p.service }));
}

function portNote(p: Port): string | undefined {
  if (!p.listen || p.listen === p.standard) return undefined;
  return `The daemon listens on ${p.listen} (${p.variable}); forward port ${p.standard} to it.`;
}

export async function expectedRecords(db: Db, domainId: string, options: { env?: HostEnv; now?: Date } = {}): Promise<ExpectedRecords> {
  const env = options.env ?? readEnv();
  const host = hostNameOf(env);
  const [domainRow, policy, dkim, certificates] = await Promise.all([
    db.domain.findUniqueOrThrow({ where: { id: domainId }, select: { name: true } }),
    getEffectivePolicy(db, domainId),
    dkimDnsRecords(db, domainId),
    certificatesForHost(db, host, options.now),
  ]);
  const domain = domainRow.name;
  const postmaster = `postmaster@${domain}`;
  const records: ExpectedRecord[] = [];
  const omitted: string[] = [];
  const byPort = new Map(ports(env).map((p) => [p.standard, p]));

  records.push({
    id: 'mx', kind: 'mx', name: domain, type: 'MX', value: `10 ${host}.`,
    purpose: 'Where other servers deliver mail for this domain.', rfc: 'RFC 5321 §5.1',
  });
  records.push({
    id: 'host-address', kind: 'address', name: host, type: 'A/AAAA', value: 'an IPv4 and/or IPv6 address of this server',
    purpose: 'The mail host’s addresses, which senders connect to after reading the MX.', rfc: 'RFC 5321 §5.1',
  });
  records.push({
    id: 'host-ptr', kind: 'fcrdns', name: host, type: 'PTR', value: `${host}.`,
    purpose: 'Reverse DNS of each of the host’s addresses names a host that resolves back to it (forward-confirmed); receivers distrust mail from addresses without it.',
    rfc: 'RFC 8601 §3 (iprev), RFC 1912 §2.1',
    note: 'Set by whoever owns the address block (your hosting provider), not in this zone.',
  });
  records.push({
    id: 'spf', kind: 'txt', name: domain, type: 'TXT', value: policy.spfRecord, marker: 'v=spf1',
    purpose: 'Which hosts may send mail from this domain (SPF); one v=spf1 record only.', rfc: 'RFC 7208 §3',
  });
  for (const k of dkim) {
    records.push({
      id: `dkim:${k.selector}`, kind: 'txt', name: k.name, type: 'TXT', value: k.value,
      purpose: `DKIM public key of selector ${k.selector} (${k.status}): receivers verify this domain’s signatures with it.`,
      rfc: 'RFC 6376 §3.6.1',
      note: k.status === 'pending' ? 'Publish it now: the key signs only after its record is visible.' : k.status === 'retiring' ? 'Keep it until the key is retired: mail signed with it is still in flight.' : undefined,
    });
  }
  if (!dkim.length) omitted.push('DKIM: this domain has no signing key yet; create one on its DKIM page.');
  records.push({
    id: 'dmarc', kind: 'txt', name: `_dmarc.${domain}`, type: 'TXT', marker: 'v=DMARC1',
    value: `v=DMARC1; p=${policy.dmarc.policy}; rua=mailto:${policy.dmarc.reportAddress || postmaster}`,
    purpose: 'What receivers do with mail that fails SPF and DKIM alignment, and where they send aggregate reports.', rfc: 'RFC 7489 §6.3',
  });

  // The same text the policy host serves (app/.well-known/mta-sts.txt), so the id matches it.
  const mtaStsPolicy = domainMtaStsPolicy(policy.mtaSts, host);
  if (mtaStsPolicy === null) {
    omitted.push('MTA-STS: the policy mode is none, so no policy is served and no record is asked for.');
  } else {
    records.push({
      id: 'mta-sts', kind: 'txt', name: `_mta-sts.${domain}`, type: 'TXT', value: mtaStsRecordValue(mtaStsPolicy), marker: 'v=STSv1',
      purpose: `Announces the MTA-STS policy (mode ${policy.mtaSts.mode}); its id changes whenever the policy does.`, rfc: 'RFC 8461 §3.1',
    });
    records.push({
      id: 'mta-sts-host', kind: 'alias', name: `mta-sts.${domain}`, type: 'CNAME', value: `${host}.`,
      purpose: 'The host that serves the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt (its certificate must name it).', rfc: 'RFC 8461 §3.3',
    });
  }
  records.push({
    id: 'tls-rpt', kind: 'txt', name: `_smtp._tls.${domain}`, type: 'TXT', marker: 'v=TLSRPTv1',
    value: `v=TLSRPTv1; rua=mailto:${tlsRptAddress(policy, domain)}`,
    purpose: 'Where senders report failed TLS connections to this domain’s MX (TLS-RPT); the mail sent there is read for the TLS page.', rfc: 'RFC 8460 §3',
  });

  // RFC 8314 §5.1: implicit TLS is preferred over STARTTLS, so it gets the lower priority number.
  // POP3's ports have SRV records only: no TLSA is asked for them (its certificate is IMAP's).
  const pop3: Port[] = [{ standard: 995, listen: env.POSTERN_POP3S_PORT, variable: 'POSTERN_POP3S_PORT', service: 'imap', label: 'POP3 over TLS' }];
  if (env.POSTERN_POP3_PORT) pop3.push({ standard: 110, listen: env.POSTERN_POP3_PORT, variable: 'POSTERN_POP3_PORT', service: 'imap', label: 'POP3 with STLS' });
  const srvPorts = new Map([...byPort, ...pop3.map((p) => [p.standard, p] as const)]);
  const srv = (label: string, port: number, priority: number, purpose: string, rfc: string) => {
    const p = srvPorts.get(port);
    records.push({ id: `srv:${label}`, kind: 'srv', name: `${label}.${domain}`, type: 'SRV', value: `${priority} 1 ${port} ${host}.`, purpose, rfc, note: p && portNote(p) });
  };
  srv('_submissions._tcp', 465, 0, 'Mail clients find message submission over TLS.', 'RFC 8314 §5.1');
  srv('_submission._tcp', 587, 10, 'Mail clients find message submission with STARTTLS.', 'RFC 6186 §3.1');
  srv('_imaps._tcp', 993, 0, 'Mail clients find IMAP over TLS.', 'RFC 6186 §3.2, RFC 8314 §5.1');
  if (env.POSTERN_IMAP_PORT) {
    srv('_imap._tcp', 143, 10, 'Mail clients find IMAP with STARTTLS.', 'RFC 6186 §3.2');
  } else {
    records.push({
      id: 'srv:_imap._tcp', kind: 'srv', name: `_imap._tcp.${domain}`, type: 'SRV', value: '0 0 0 .',
      purpose: 'Tells clients IMAP with STARTTLS is not offered here (target "."), so they use IMAPS instead of guessing port 143.',
      rfc: 'RFC 2782, RFC 8314 §5.1',
      note: 'This server has no IMAP port with STARTTLS (POSTERN_IMAP_PORT is unset).',
    });
  }
  // A client that finds both IMAP and POP3 records takes the lower priority number (RFC 6186): IMAP.
  srv('_pop3s._tcp', 995, 20, 'Mail clients find POP3 over TLS (IMAP is preferred).', 'RFC 6186 §3.3, RFC 8314 §5.1');
  if (env.POSTERN_POP3_PORT) {
    srv('_pop3._tcp', 110, 30, 'Mail clients find POP3 with STLS (IMAP is preferred).', 'RFC 6186 §3.3');
  } else {
    records.push({
      id: 'srv:_pop3._tcp', kind: 'srv', name: `_pop3._tcp.${domain}`, type: 'SRV', value: '0 0 0 .',
      purpose: 'Tells clients POP3 with STLS is not offered here (target "."), so they use POP3S instead of guessing port 110.',
      rfc: 'RFC 2782, RFC 8314 §5.1',
      note: 'This server has no POP3 port with STLS (POSTERN_POP3_PORT is unset).',
    });
  }
  // Neither is an RFC: Mozilla's autoconfig is being standardised by the IETF mailmaint group, Autodiscover is Microsoft's.
  const configuration = [
    ['autoconfig', 'Thunderbird-style autoconfiguration', 'draft-ietf-mailmaint-autoconfig (no RFC yet)'],
    ['autodiscover', 'Outlook-style autodiscovery', 'Microsoft [MS-OXDSCLI] (no RFC)'],
  ] as const;
  for (const [label, what, rfc] of configuration) {
    records.push({
      id: label, kind: 'alias', name: `${label}.${domain}`, type: 'CNAME', value: `${host}.`,
      purpose: `${what}: clients look up this name to find the server’s settings.`, rfc,
      note: 'Clients fetch it over HTTPS: the certificate the panel serves must name it too.',
    });
  }

  // RFC 7671 §8.1: the records of the certificate served now, plus the next one's when a
  // pending certificate has a different key, published before it is activated.
  for (const p of byPort.values()) {
    const cert = certificates.served[p.service];
    if (!cert) continue;
    const name = `_${p.standard}._tcp.${host}`;
    const rfc = p.standard === 25 ? 'RFC 7672 §3, RFC 7671 §5.1' : 'RFC 6698, RFC 7671 §5.1';
    records.push({
      id: `tlsa:${p.standard}`, kind: 'tlsa', name, type: 'TLSA', value: daneEeRecord(cert.certPem),
      purpose: `DANE: the key of the certificate served on ${p.label} (DANE-EE, public key, SHA-256); needs DNSSEC.`, rfc, note: portNote(p),
    });
    const current = spkiSha256(cert.certPem);
    const seen = new Set<string>([current]);
    for (const next of certificates.pending) {
      const digest = spkiSha256(next.certPem);
      if (seen.has(digest)) continue;
      seen.add(digest);
      records.push({
        id: `tlsa-next:${p.standard}:${next.id}`, kind: 'tlsa', name, type: 'TLSA', value: daneEeRecord(next.certPem),
        purpose: `DANE: the key of the next certificate for ${p.label}, to publish beside the current one before it is activated.`,
        rfc: 'RFC 7671 §8.1', note: `Certificate ${next.id} is waiting with a new key; activating it before this record is visible breaks DANE senders.`,
      });
    }
  }
  return { domain, host, records, mtaStsPolicy, omitted };
}
