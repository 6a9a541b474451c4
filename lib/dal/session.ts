import 'server-only';
import { getServerSession } from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { Actor } from '@/lib/actor';
import { authOptions } from './auth-options';
import { db } from './db';
import { clientIp } from './ip';

export type AdminActor = Extract<Actor, { kind: 'admin' }>;

/**
 * The signed-in admin for this request, or null. Reads the session cookie on the
 * server, then the admin row (role, domain scope) from the database, so a deleted
 * admin's still-valid cookie grants nothing. Cached per request.
 */
export const currentAdmin = cache(async (): Promise<AdminActor | null> => {
  const session = await getServerSession(authOptions());
  const adminId = (session as { adminId?: string } | null)?.adminId;
  if (!adminId) return null;
  const admin = await db().admin.findUnique({
    where: { id: adminId },
    select: { id: true, email: true, role: true, domains: { select: { domainId: true } } },
  });
  if (!admin) return null;
  return {
    kind: 'admin',
    id: admin.id,
    email: admin.email,
    role: admin.role,
    domainIds: admin.domains.map((d) => d.domainId),
    ip: clientIp(await headers()),
  };
});

/**
 * Every page, Server Action and route handler calls this first: the Actor of the
 * signed-in admin, or a redirect to the login page. The proxy's cookie check is only
 * an optimistic shortcut; this is the check.
 */
export async function requireAdmin(): Promise<AdminActor> {
  const admin = await currentAdmin();
  if (!admin) redirect('/login');
  return admin;
}

/** Like requireAdmin, for pages only global admins may see. */
export async function requireGlobalAdmin(): Promise<AdminActor> {
  const admin = await requireAdmin();
  if (admin.role !== 'GLOBAL') redirect('/');
  return admin;
}
