import type { Db } from '@/lib/db/prisma';
import { resolveRecipient } from '@/lib/directory';
import type { Policy } from '@/lib/policy/schema';

// Where a domain's TLS reports go, decided once: the `_smtp._tls` record the DNS page asks for
// names this address (RFC 8460 §3, rua=mailto:), and the daemon reads the mail delivered to it.

/**
 * The address a domain's TLS-RPT record names: the policy's tlsRptAddress, else
 * postmaster@<domain>, the mailbox every mail domain must have (RFC 5321 §4.5.1).
 */
export function tlsRptAddress(policy: Pick<Policy, 'tlsRptAddress'>, domain: string): string {
  return policy.tlsRptAddress || `postmaster@${domain}`;
}

/**
 * The mailboxes the mail for `addresses` lands in, resolved as RCPT TO resolves them (an
 * alias such as postmaster@ reaches its destinations, a subaddress its mailbox, a catch-all
 * its target); remote destinations are not ours to read. An address whose mailbox refuses
 * new mail (full, disabled) is still read for what arrived before.
 */
export async function reportMailboxes(
  db: Db,
  addresses: string[],
  delimiterFor: (domainId: string) => string | Promise<string>,
): Promise<string[]> {
  const out = new Set<string>();
  for (const address of new Set(addresses.map((a) => a.toLowerCase()).filter(Boolean))) {
    const r = await resolveRecipient(db, address, delimiterFor);
    if (r.status === 'ok') for (const m of r.mailboxes) out.add(m.address);
    else if (r.status !== 'not_local' && r.status !== 'unknown') out.add(address);
  }
  return [...out];
}
