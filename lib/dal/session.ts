import 'server-only';
import { getServerSession } from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { Actor } from '@/lib/actor';
import { getEffectivePolicy } from '@/lib/policy';
import { authOptions } from './auth-options';
import { db } from './db';
import { clientIp } from './ip';

export type AdminActor = Extract<Actor, { kind: 'admin' }>;

/** Where an admin without TOTP is sent while the policy requires it (the enrolment page). */
export const TOTP_ENROL_PATH = '/admins/me';
/** Where an admin whose password was generated is sent until it is changed (the own-password form). */
export const CHANGE_PASSWORD_PATH = '/admins/me';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The signed-in admin for this request, or null. Reads the session cookie on the
 * server, then its session row and the admin (role, domain scope) from the database
 * in one query: a cookie whose session ended (sign-out, password or role change,
 * admin removed — lib/admins/sessions.ts) or expired grants nothing. Cached per request.
 */
const sessionAdmin = cache(async (): Promise<AdminActor | { enrolTotp: true } | { changePassword: true } | null> => {
  const session = (await getServerSession(authOptions())) as { adminId?: string; sessionId?: string } | null;
  const { adminId, sessionId } = session ?? {};
  if (!adminId || !sessionId || !UUID.test(sessionId)) return null;
  const row = await db().adminSession.findUnique({
    where: { id: sessionId },
    select: {
      adminId: true,
      expiresAt: true,
      admin: { select: { id: true, email: true, role: true, totpEnabled: true, mustChangePassword: true, domains: { select: { domainId: true } } } },
    },
  });
  if (!row || row.adminId !== adminId || row.expiresAt.getTime() <= Date.now()) return null;
  const admin = row.admin;
  const h = await headers();
  const path = h.get('x-postern-path') ?? '';
  // A generated password (seen by whoever created the admin) is changed before anything else.
  if (admin.mustChangePassword && path !== CHANGE_PASSWORD_PATH) return { changePassword: true } as const;
  // Policy requireTotp: an admin without a second factor may only reach the enrolment page.
  if (!admin.totpEnabled && !path.startsWith(TOTP_ENROL_PATH)) {
    if ((await getEffectivePolicy(db())).requireTotp) return { enrolTotp: true } as const;
  }
  return {
    kind: 'admin',
    id: admin.id,
    email: admin.email,
    role: admin.role,
    domainIds: admin.domains.map((d) => d.domainId),
    ip: clientIp(h),
  };
});

/** The signed-in admin, or null; an admin who must enrol TOTP or change a generated password first counts as signed out here. */
export async function currentAdmin(): Promise<AdminActor | null> {
  const admin = await sessionAdmin();
  return admin && 'kind' in admin ? admin : null;
}

/**
 * Every page, Server Action and route handler calls this first: the Actor of the
 * signed-in admin, or a redirect to the login page. The proxy's cookie check is only
 * an optimistic shortcut; this is the check.
 */
export async function requireAdmin(): Promise<AdminActor> {
  const admin = await sessionAdmin();
  if (!admin) redirect('/login');
  if ('changePassword' in admin) redirect(`${CHANGE_PASSWORD_PATH}?password=required`);
  if (!('kind' in admin)) redirect(`${TOTP_ENROL_PATH}?totp=required`);
  return admin;
}

/** Like requireAdmin, for pages only global admins may see. */
export async function requireGlobalAdmin(): Promise<AdminActor> {
  const admin = await requireAdmin();
  if (admin.role !== 'GLOBAL') redirect('/');
  return admin;
}
