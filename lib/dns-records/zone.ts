import { bindTxtData } from '@/lib/dns/txt';
import type { ExpectedRecord, ExpectedRecords } from './expected';

// The domain's records as a BIND zone file fragment (RFC 1035 §5.1) to paste into a zone or
// import at a DNS host. Records outside the domain's zone (the mail host's own name when it
// lives elsewhere, reverse DNS) are written as comments: they belong to another zone.

const TTL = 3600;

function rdata(r: ExpectedRecord): string {
  return r.type === 'TXT' ? bindTxtData(r.value) : r.value;
}

function inZone(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/** `addresses`: the host's addresses as last found, written into its A/AAAA lines. */
export function zoneFile(expected: ExpectedRecords, options: { addresses?: string[]; now?: Date } = {}): string {
  const { domain } = expected;
  const lines = [
    `; Mail records for ${domain}, as Postern expects them (${(options.now ?? new Date()).toISOString()}).`,
    `$ORIGIN ${domain}.`,
    `$TTL ${TTL}`,
  ];
  const elsewhere: string[] = [];
  for (const r of expected.records) {
    const comment = `; ${r.purpose} (${r.rfc})`;
    if (r.kind === 'fcrdns') {
      elsewhere.push(comment, `; PTR of each address of ${expected.host} → ${r.value} (set by the owner of the address block)`);
      continue;
    }
    const own = `${r.name}.`;
    const out: string[] = [];
    if (r.kind === 'address') {
      const addresses = options.addresses ?? [];
      if (!addresses.length) out.push(`; ${own} IN A <an IPv4 address of this server>`, `; ${own} IN AAAA <an IPv6 address of this server>`);
      for (const a of addresses) out.push(`${own} IN ${a.includes(':') ? 'AAAA' : 'A'} ${a}`);
    } else {
      out.push(`${own} IN ${r.type} ${rdata(r)}`);
    }
    if (inZone(r.name, domain)) lines.push(comment, ...out);
    else elsewhere.push(comment, ...out.map((l) => (l.startsWith(';') ? l : `; ${l}`)));
  }
  if (elsewhere.length) lines.push('', `; In the zone of ${expected.host}, not ${domain}:`, ...elsewhere);
  if (expected.omitted.length) lines.push('', ...expected.omitted.map((o) => `; Not asked for: ${o}`));
  return `${lines.join('\n')}\n`;
}
