import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { readEnv } from '@/lib/config/env';
import type { Db } from '@/lib/db/prisma';
import { createResolver, DnsError, parseDnsServers, type DnsResolver } from '@/lib/dns/resolver';
import { compareDkimRecords } from './compare-record';
import { findDkimKey } from './find-key';
import type { DkimKeyRef } from './schemas';
import { toDkimKeyView, type DkimDnsStatus, type DkimKeyView } from './view';

export interface DkimDnsCheck {
  status: DkimDnsStatus;
  /** The TXT records seen at the name (each one's strings joined), for the admin to compare. */
  seen: string[];
  /** What went wrong when the lookup failed (SERVFAIL, timeout…). */
  error?: string;
  key: DkimKeyView;
}

/** The resolver POSTERN_DNS_SERVERS names (the system's when empty), as the daemon uses. */
function configuredResolver(): Pick<DnsResolver, 'txt'> {
  return createResolver({ servers: parseDnsServers(readEnv().POSTERN_DNS_SERVERS), timeoutMs: 5_000 });
}

/**
 * Looks up the key's TXT record and stores the verdict: found (the same key is published),
 * different, missing (NXDOMAIN/NODATA, or no TXT) or failed (the lookup itself failed: try again).
 */
export async function checkDkimDns(db: Db, actor: Actor, ref: DkimKeyRef, resolver: Pick<DnsResolver, 'txt'> = configuredResolver(), now = new Date()): Promise<DkimDnsCheck> {
  const { domain, key } = await findDkimKey(db, actor, ref);
  const view = toDkimKeyView(domain.name, key);
  let status: DkimDnsStatus;
  let seen: string[] = [];
  let error: string | undefined;
  try {
    seen = await resolver.txt(view.record.name);
    status = compareDkimRecords(seen, view.record.value);
  } catch (err) {
    if (err instanceof DnsError && err.permanent) status = 'missing';
    else {
      status = 'failed';
      error = err instanceof DnsError ? err.code : 'lookup failed';
    }
  }
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.dkimKey.update({ where: { id: key.id }, data: { dnsStatus: status, dnsCheckedAt: now }, select: { dnsStatus: true, dnsCheckedAt: true } });
    // A check is an action, not a save: written each time (no before, so never a no-op), the status
    // it replaced named in the row, as the domain's DNS check does.
    await audit(tx, actor, 'dkim.check', view.record.name, undefined, { dnsStatus: status, previously: key.dnsStatus, ...(error ? { error } : {}) });
    return row;
  });
  return { status, seen, error, key: { ...view, dnsStatus: status, dnsCheckedAt: updated.dnsCheckedAt } };
}
