import type { ExpectedRecord } from '@/lib/dns-records';
import { txtStrings } from '@/lib/dns/txt';
import type { ZoneEntry, Zones } from './dns-server';

// The test DNS server's zones publishing expected records as an admin would: the whole set,
// or record by record (the DNS page turning green as the zone is filled).

/** `192.0.2.10` → `10.2.0.192.in-addr.arpa` (RFC 1035 §3.5). */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

const undot = (n: string) => n.replace(/\.$/, '');

/** Adds one expected record to the zones (`address`: what the host's A record and PTR name). */
export function publish(zones: Zones, r: ExpectedRecord, address: string): Zones {
  const at = (name: string): ZoneEntry => (zones[name] ??= {});
  switch (r.kind) {
    case 'mx':
      (at(r.name).MX ??= []).push({ preference: Number(r.value.split(' ')[0]), exchange: undot(r.value.split(' ')[1]) });
      break;
    case 'address':
      (at(r.name).A ??= []).push(address);
      break;
    case 'fcrdns':
      (at(reverseName(address)).PTR ??= []).push(undot(r.value));
      break;
    case 'txt':
      (at(r.name).TXT ??= []).push(txtStrings(r.value));
      break;
    case 'alias':
      at(r.name).CNAME = undot(r.value);
      break;
    case 'srv': {
      const [priority, weight, port, target] = r.value.split(' ');
      (at(r.name).SRV ??= []).push({ priority: Number(priority), weight: Number(weight), port: Number(port), target: target === '.' ? '.' : undot(target) });
      break;
    }
    case 'tlsa': {
      const [usage, selector, matchingType, hex] = r.value.split(' ');
      (at(r.name).TLSA ??= []).push({ usage: Number(usage), selector: Number(selector), matchingType: Number(matchingType), certificate: Buffer.from(hex, 'hex') });
      break;
    }
  }
  return zones;
}

/** Zones publishing every record as expected. */
export function zonesFor(records: ExpectedRecord[], address: string): Zones {
  const zones: Zones = {};
  for (const r of records) publish(zones, r, address);
  return zones;
}
