import type { Db } from '@/lib/db/prisma';
import { normalizeAddress, stripSubaddress } from '@/lib/validations/address';
import { allowedSenders } from './allowed-senders';

/**
 * Whether an authenticated mailbox may send as `address` (MAIL FROM when the policy's
 * enforceSenderAddress is on): one of its allowedSenders, or one of those with a subaddress
 * (RFC 5233: "alice+tag@example.org" is alice's when the delimiter of the mailbox's domain,
 * from `delimiterFor`, is "+"). An address that does not normalize belongs to nobody.
 */
export async function ownsAddress(
  db: Db,
  mailbox: { address: string; domainId: string },
  address: string,
  delimiterFor: (domainId: string) => string | Promise<string>,
): Promise<boolean> {
  let a;
  try {
    a = normalizeAddress(address);
  } catch {
    return false;
  }
  // The mailbox's own address (and its subaddresses) needs no lookup: it is always allowed.
  const own = mailbox.address.toLowerCase();
  if (a.address === own) return true;
  const base = stripSubaddress(a.address, await delimiterFor(mailbox.domainId));
  if (base === own) return true;
  const allowed = new Set((await allowedSenders(db, mailbox.address)).map((s) => s.toLowerCase()));
  return allowed.has(a.address) || (base !== a.address && allowed.has(base));
}
