import { SYSTEM } from '@/lib/actor';
import { auditMany } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { announceDkim } from './notify';

/**
 * Housekeeping: retiring keys past their retire_after become retired (their records may go).
 * Idempotent, safe in every daemon at once. Returns how many keys were retired.
 */
export async function retireExpiredDkimKeys(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const due = await tx.dkimKey.findMany({
      where: { status: 'retiring', retireAfter: { lte: now } },
      select: { id: true, selector: true, domainId: true, domain: { select: { name: true } } },
    });
    if (!due.length) return 0;
    await tx.dkimKey.updateMany({ where: { id: { in: due.map((k) => k.id) }, status: 'retiring' }, data: { status: 'retired', retiredAt: now } });
    await auditMany(tx, SYSTEM, due.map((k) => ({ action: 'dkim.retire', target: `${k.selector}._domainkey.${k.domain.name}`, before: { status: 'retiring' }, after: { status: 'retired', reason: 'grace period over' } })));
    for (const domainId of new Set(due.map((k) => k.domainId))) await announceDkim(tx, domainId);
    return due.length;
  });
}
