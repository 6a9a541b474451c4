import type { DbOrTx } from '@/lib/audit/types';
import { ServiceError } from '@/lib/errors';
import { normalizeAddress } from '@/lib/validations/address';
import { normalizeDomain } from '@/lib/validations/domain';

/** Admin logins are email addresses, compared lower-case like mailboxes. */
export function normalizeAdminEmail(email: string): string {
  return normalizeAddress(email, 'email').address;
}

export function parseRole(role: string | undefined): 'GLOBAL' | 'DOMAIN' {
  const r = (role ?? 'global').toUpperCase();
  if (r !== 'GLOBAL' && r !== 'DOMAIN') throw new ServiceError('invalid', `"${role}" is not a role (global or domain)`, 'role');
  return r;
}

/** Domain names → ids; a DOMAIN admin needs at least one, a GLOBAL admin none. */
export async function resolveAdminDomains(db: DbOrTx, role: 'GLOBAL' | 'DOMAIN', names: string[] | undefined): Promise<string[]> {
  const list = [...new Set((names ?? []).map((n) => n.trim()).filter(Boolean).map((n) => normalizeDomain(n, 'domains')))];
  if (role === 'GLOBAL') {
    if (list.length) throw new ServiceError('invalid', 'a global admin manages every domain; give no domain list', 'domains');
    return [];
  }
  if (list.length === 0) throw new ServiceError('invalid', 'a domain admin needs at least one domain', 'domains');
  const rows = await db.domain.findMany({ where: { name: { in: list } }, select: { id: true, name: true } });
  const missing = list.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) throw new ServiceError('not_found', `no domain ${missing.join(', ')}`, 'domains');
  return rows.map((r) => r.id);
}
