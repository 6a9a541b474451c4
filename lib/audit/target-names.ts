import { escapeLike, likeContains } from '@/lib/validations/like';
import type { DbOrTx } from './types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a person calls the things audit rows name by id: a certificate by its hosts, a CA by
 * its name, an admin by email, a mailbox by address, a domain by name. Ids of things since
 * removed stay unnamed (the row keeps the id). One query per kind, whatever the page size.
 */
export async function targetNames(db: DbOrTx, targets: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(targets.filter((t): t is string => t !== null && UUID.test(t)))];
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const where = { id: { in: ids } };
  const [certificates, authorities, admins, mailboxes, domains] = await Promise.all([
    db.certificate.findMany({ where, select: { id: true, hosts: true } }),
    db.certificateAuthority.findMany({ where, select: { id: true, name: true } }),
    db.admin.findMany({ where, select: { id: true, email: true } }),
    db.mailbox.findMany({ where, select: { id: true, address: true } }),
    db.domain.findMany({ where, select: { id: true, name: true } }),
  ]);
  for (const c of certificates) names.set(c.id, c.hosts.join(', ') || c.id);
  for (const a of authorities) names.set(a.id, a.name);
  for (const a of admins) names.set(a.id, a.email);
  for (const m of mailboxes) names.set(m.id, m.address);
  for (const d of domains) names.set(d.id, d.name);
  return names;
}

/**
 * The ids of the things audit rows name by id whose name contains `text` (case-insensitive):
 * a search for "mail.example.org" then finds the rows about that certificate too.
 */
export async function idsNamed(db: DbOrTx, text: string): Promise<string[]> {
  const contains = { contains: escapeLike(text), mode: 'insensitive' as const };
  const [certificates, authorities, admins] = await Promise.all([
    db.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM certificates WHERE array_to_string(hosts, ',') ILIKE ${likeContains(text)}`,
    db.certificateAuthority.findMany({ where: { name: contains }, select: { id: true } }),
    db.admin.findMany({ where: { email: contains }, select: { id: true } }),
  ]);
  return [...certificates, ...authorities, ...admins].map((r) => r.id);
}
