import type { Db } from '@/lib/db/prisma';
import { normalizeDomain } from '@/lib/validations/domain';

/** True when we accept mail for the domain (it exists, enabled or not: a disabled one answers 5.2.1). */
export async function isLocalDomain(db: Db, domain: string): Promise<boolean> {
  let name: string;
  try {
    name = normalizeDomain(domain);
  } catch {
    return false;
  }
  return !!(await db.domain.findUnique({ where: { name }, select: { id: true } }));
}
