import type { DbOrTx } from '@/lib/audit/types';

// Panel sessions (table admin_sessions). The session cookie (a signed JWT) names one
// row; lib/dal/session.ts refuses a cookie whose row is gone or expired, on every
// request. So ending a session is deleting its row, and takes effect at once.

/** A new session row for a successful sign-in; its id goes into the cookie. */
export async function startAdminSession(db: DbOrTx, adminId: string, maxAgeSeconds: number): Promise<string> {
  const now = Date.now();
  // Expired rows of this admin go on the way (nothing else reads them).
  await db.adminSession.deleteMany({ where: { adminId, expiresAt: { lt: new Date(now) } } });
  const row = await db.adminSession.create({
    data: { adminId, expiresAt: new Date(now + maxAgeSeconds * 1000) },
    select: { id: true },
  });
  return row.id;
}

/** Sign-out: only this session ends. */
export async function endAdminSession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.adminSession.deleteMany({ where: { id: sessionId } });
}

/** Every session of the admin ends (password changed or reset, role changed). */
export async function endAllAdminSessions(db: DbOrTx, adminId: string): Promise<void> {
  await db.adminSession.deleteMany({ where: { adminId } });
}
