import { SYSTEM } from '@/lib/actor';
import { auditMany } from '@/lib/audit';
import type { Db } from '@/lib/db/prisma';
import { announceDkim } from './notify';

/**
 * Housekeeping: retiring keys past their retire_after become retired (their records may go).
 * Idempotent, safe in every daemon at once: one UPDATE … RETURNING claims the keys, so a second
 * daemon's pass waits on the rows, finds them retired and neither counts nor audits them again.
 * Returns how many keys this pass retired.
 */
export async function retireExpiredDkimKeys(db: Db, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const due = await tx.$queryRaw<{ selector: string; domainId: string; domain: string }[]>`
      UPDATE dkim_keys k SET status = 'retired', retired_at = ${now}
      FROM domains d
      WHERE d.id = k.domain_id AND k.status = 'retiring' AND k.retire_after <= ${now}
      RETURNING k.selector, k.domain_id AS "domainId", d.name AS domain`;
    if (!due.length) return 0;
    await auditMany(tx, SYSTEM, due.map((k) => ({ action: 'dkim.retire', target: `${k.selector}._domainkey.${k.domain}`, before: { status: 'retiring' }, after: { status: 'retired', reason: 'grace period over' } })));
    for (const domainId of new Set(due.map((k) => k.domainId))) await announceDkim(tx, domainId);
    return due.length;
  });
}
