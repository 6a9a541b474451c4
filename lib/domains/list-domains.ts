import { domainRowWhere, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { domainsUsedBytes } from './used-bytes';

export interface DomainListItem {
  id: string;
  name: string;
  enabled: boolean;
  usedBytes: number;
  mailboxCount: number;
  aliasCount: number;
  createdAt: Date;
}

/** The actor's domains with mailbox and alias counts, by name. */
export async function listDomains(db: Db, actor: Actor): Promise<DomainListItem[]> {
  const rows = await db.domain.findMany({
    where: domainRowWhere(actor),
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      enabled: true,
      createdAt: true,
      _count: { select: { mailboxes: true, aliases: true } },
    },
  });
  const used = await domainsUsedBytes(db, rows.map((d) => d.id));
  return rows.map(({ _count, ...d }) => ({
    ...d,
    usedBytes: used.get(d.id) ?? 0,
    mailboxCount: _count.mailboxes,
    aliasCount: _count.aliases,
  }));
}
