import type { Db } from '@/lib/db/prisma';

/**
 * Each domain's storage use: the sum of its mailboxes' used_bytes, which the mail daemons keep
 * exact. Added up when shown rather than kept on the domain row, which every delivery in the
 * domain would otherwise update and hold locked until its commit.
 */
export async function domainsUsedBytes(db: Db, domainIds: string[]): Promise<Map<string, number>> {
  if (!domainIds.length) return new Map();
  const sums = await db.mailbox.groupBy({ by: ['domainId'], where: { domainId: { in: domainIds } }, _sum: { usedBytes: true } });
  return new Map(sums.map((s) => [s.domainId, Number(s._sum.usedBytes ?? 0n)]));
}
