import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';

export interface AlertOverview {
  firing: { key: string; kind: string; summary: string; firingSince: Date }[];
  notices: { id: string; kind: string; subject: string; createdAt: Date; sentAt: Date | null; mailResult: string | null; webhookResult: string | null }[];
}

/** What fires now and the last notices with what their mail and webhook gave, for the settings page. */
export async function alertOverview(db: Db, actor: Actor, take = 20): Promise<AlertOverview> {
  requireGlobal(actor, 'see alerts');
  const [firing, notices] = await Promise.all([
    db.alertState.findMany({ orderBy: { firingSince: 'desc' } }),
    db.alertNotice.findMany({ orderBy: { id: 'desc' }, take, select: { id: true, kind: true, subject: true, createdAt: true, sentAt: true, mailResult: true, webhookResult: true } }),
  ]);
  return { firing, notices: notices.map((n) => ({ ...n, id: String(n.id) })) };
}
