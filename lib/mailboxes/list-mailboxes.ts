import { domainIdWhere, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { findDomainInScope } from '@/lib/domains/scope';
import type { Prisma } from '@/lib/generated/prisma/client';
import { mailboxSelect, toMailboxDto, type MailboxDto } from './dto';
import { escapeLike } from '@/lib/validations/like';

export const MAILBOX_SORTS = ['address', 'createdAt', 'usedBytes', 'quotaBytes', 'displayName'] as const;
export type MailboxSort = (typeof MAILBOX_SORTS)[number];

export interface ListMailboxesInput {
  /** Only this domain (must be in scope). */
  domain?: string;
  /** Case-insensitive "contains" on address and display name (trigram-indexed). */
  search?: string;
  sort?: MailboxSort;
  order?: 'asc' | 'desc';
  /** 1-based. */
  page?: number;
  pageSize?: number;
}

export interface MailboxPage {
  rows: MailboxDto[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * One page of the actor's mailboxes, filtered, sorted and counted in Postgres. At
 * 100k mailboxes: search uses the trigram GIN indexes, address/createdAt sorts use
 * btree indexes, and the address tiebreak keeps pages stable.
 */
export async function listMailboxes(db: Db, actor: Actor, input: ListMailboxesInput = {}): Promise<MailboxPage> {
  const pageSize = Math.min(Math.max(Math.trunc(input.pageSize ?? 50), 1), 500);
  const page = Math.max(Math.trunc(input.page ?? 1), 1);
  const sort: MailboxSort = MAILBOX_SORTS.includes(input.sort as MailboxSort) ? (input.sort as MailboxSort) : 'address';
  const order = input.order === 'desc' ? 'desc' : 'asc';

  const where: Prisma.MailboxWhereInput = { ...domainIdWhere(actor) };
  if (input.domain) where.domainId = (await findDomainInScope(db, actor, input.domain)).id;
  const search = input.search?.trim().slice(0, 200);
  if (search) {
    where.OR = [
      { address: { contains: escapeLike(search.toLowerCase()) } }, // addresses are stored lower-case
      { displayName: { contains: escapeLike(search), mode: 'insensitive' } },
    ];
  }
  const orderBy: Prisma.MailboxOrderByWithRelationInput[] =
    sort === 'address' ? [{ address: order }] : [{ [sort]: order }, { address: 'asc' }];

  const [rows, total] = await Promise.all([
    db.mailbox.findMany({ where, orderBy, skip: (page - 1) * pageSize, take: pageSize, select: mailboxSelect }),
    db.mailbox.count({ where }),
  ]);
  return { rows: rows.map(toMailboxDto), total, page, pageSize };
}
