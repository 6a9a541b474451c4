import type { Db } from '@/lib/db/prisma';

/**
 * The MAIL FROM addresses an authenticated mailbox may use when the policy's
 * enforceSenderAddress is on: its own address and every alias (not catch-all) that
 * delivers to it. Their subaddressed forms are allowed too: ownsAddress checks those.
 */
export async function allowedSenders(db: Db, mailboxAddress: string): Promise<string[]> {
  const own = mailboxAddress.toLowerCase();
  const aliases = await db.alias.findMany({
    where: { destinations: { has: own }, enabled: true, NOT: { source: { startsWith: '@' } } },
    select: { source: true },
  });
  return [own, ...aliases.map((a) => a.source)];
}
