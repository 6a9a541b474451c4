import type { DbOrTx } from '@/lib/audit/types';

// Self-service sessions (table mailbox_sessions), shaped like lib/admins/sessions.ts: the
// cookie names one row, lib/dal/mail-user.ts refuses a cookie whose row is gone or expired.

export async function startMailboxSession(db: DbOrTx, mailboxId: string, maxAgeSeconds: number): Promise<string> {
  const now = Date.now();
  await db.mailboxSession.deleteMany({ where: { mailboxId, expiresAt: { lt: new Date(now) } } });
  const row = await db.mailboxSession.create({ data: { mailboxId, expiresAt: new Date(now + maxAgeSeconds * 1000) }, select: { id: true } });
  return row.id;
}

export async function endMailboxSession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.mailboxSession.deleteMany({ where: { id: sessionId } });
}

/** Every self-service session of the mailbox but `keep` (the one changing the password) ends. */
export async function endOtherMailboxSessions(db: DbOrTx, mailboxId: string, keep?: string): Promise<void> {
  await db.mailboxSession.deleteMany({ where: { mailboxId, ...(keep ? { id: { not: keep } } : {}) } });
}
