import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import type { MailUser } from './types';

export interface MailUserOverview {
  address: string;
  displayName: string | null;
  /** 0 = unlimited. */
  quotaBytes: number;
  usedBytes: number;
}

export interface RecentLogin {
  day: Date;
  lastAt: Date;
  /** "imap" | "submission" (and "pop3" once that listener records its logins). */
  service: string;
  /** "TLSv1.3"… or "none" for a cleartext login. */
  tlsVersion: string;
  cipher: string;
  clientIp: string;
  logins: number;
}

export async function getOverview(db: Db, user: MailUser): Promise<MailUserOverview> {
  const m = await db.mailbox.findUnique({ where: { id: user.id }, select: { address: true, displayName: true, quotaBytes: true, usedBytes: true } });
  if (!m) throw new ServiceError('not_found', 'this mailbox no longer exists');
  return { address: m.address, displayName: m.displayName, quotaBytes: Number(m.quotaBytes), usedBytes: Number(m.usedBytes) };
}

/**
 * The mailbox's recent mail-client logins with the TLS each used: the daily rows IMAP and
 * submission write (tls_client_logins, lib/tls-stats/record.ts), newest first.
 */
export async function getRecentLogins(db: Db, user: MailUser, limit = 20): Promise<RecentLogin[]> {
  return db.tlsClientLogin.findMany({
    where: { mailboxId: user.id },
    orderBy: { lastAt: 'desc' },
    take: limit,
    select: { day: true, lastAt: true, service: true, tlsVersion: true, cipher: true, clientIp: true, logins: true },
  });
}
