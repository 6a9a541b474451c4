import 'server-only';
import { getServerSession } from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { MailUser } from '@/lib/self-service/types';
import { authOptions } from './auth-options';
import { db } from './db';
import { clientIp } from './ip';

/** The self-service area's sign-in page. */
export const MAIL_USER_LOGIN_PATH = '/account/login';

export type MailUserSession = MailUser & { sessionId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The signed-in mailbox owner for this request, or null. Only a cookie of kind "mailbox" whose
 * row in mailbox_sessions lives, for a mailbox and domain still enabled, counts. An admin's
 * cookie is not one (its kind, and its row is in admin_sessions), and a mailbox cookie never
 * opens the admin panel (lib/dal/session.ts reads admin cookies only). Cached per request.
 */
const sessionMailUser = cache(async (): Promise<MailUserSession | null> => {
  const session = (await getServerSession(authOptions())) as { mailboxId?: string; mailSessionId?: string } | null;
  const { mailboxId, mailSessionId } = session ?? {};
  if (!mailboxId || !mailSessionId || !UUID.test(mailSessionId)) return null;
  const row = await db().mailboxSession.findUnique({
    where: { id: mailSessionId },
    select: {
      mailboxId: true,
      expiresAt: true,
      mailbox: { select: { id: true, address: true, domainId: true, enabled: true, domain: { select: { enabled: true } } } },
    },
  });
  if (!row || row.mailboxId !== mailboxId || row.expiresAt.getTime() <= Date.now()) return null;
  if (!row.mailbox.enabled || !row.mailbox.domain.enabled) return null;
  const h = await headers();
  return { kind: 'mailbox', id: row.mailbox.id, address: row.mailbox.address, domainId: row.mailbox.domainId, ip: clientIp(h), sessionId: mailSessionId };
});

export function currentMailUser(): Promise<MailUserSession | null> {
  return sessionMailUser();
}

/**
 * Every self-service page, Server Action and route handler calls this first: the signed-in
 * mailbox owner, or a redirect to the self-service sign-in.
 */
export async function requireMailUser(): Promise<MailUserSession> {
  const user = await sessionMailUser();
  if (!user) redirect(MAIL_USER_LOGIN_PATH);
  return user;
}
