import { randomBytes } from 'node:crypto';
import { hashPassword } from '@/lib/auth/password';
import type { Db } from '@/lib/db/prisma';

export interface AdminFixture {
  id: string;
  email: string;
  password: string;
}

/** An admin that can sign in: GLOBAL unless `domainIds` are given (then a DOMAIN admin of those). */
export async function createAdmin(
  db: Db,
  options: { email?: string; password?: string; role?: 'GLOBAL' | 'DOMAIN'; domainIds?: string[] } = {},
): Promise<AdminFixture> {
  const email = options.email ?? `admin-${randomBytes(4).toString('hex')}@example.test`;
  const password = options.password ?? `Aa1!${randomBytes(12).toString('base64url')}`;
  const role = options.role ?? (options.domainIds?.length ? 'DOMAIN' : 'GLOBAL');
  const admin = await db.admin.create({
    data: {
      email,
      passwordHash: await hashPassword(password),
      role,
      domains: options.domainIds?.length ? { create: options.domainIds.map((domainId) => ({ domainId })) } : undefined,
    },
    select: { id: true },
  });
  return { id: admin.id, email, password };
}
