import { randomBytes } from 'node:crypto';
import { SYSTEM } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { hashPassword } from '@/lib/auth/password';
import type { Env } from '@/lib/config/env';
import { createPrisma } from '@/lib/db/prisma';

export interface FirstAdmin {
  email: string;
  created: boolean;
  /** Set only when this start generated the password: printed once, never stored in clear. */
  generatedPassword?: string;
}

/** The address used when ADMIN_EMAIL is unset: admin@<host name> when that is a dotted name. */
function defaultEmail(hostname: string): string {
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(hostname) ? `admin@${hostname.toLowerCase()}` : 'admin@postern.local';
}

/** Creates the first GLOBAL admin when there is none; later starts leave admins alone. */
export async function ensureFirstAdmin(databaseUrl: string, env: Env): Promise<FirstAdmin> {
  const db = createPrisma(databaseUrl, 2);
  try {
    const existing = await db.admin.findFirst({ where: { role: 'GLOBAL' }, orderBy: { createdAt: 'asc' } });
    if (existing) return { email: existing.email, created: false };
    const email = (env.ADMIN_EMAIL ?? defaultEmail(env.POSTERN_HOSTNAME)).toLowerCase();
    const generatedPassword = env.ADMIN_PASSWORD ? undefined : randomBytes(15).toString('base64url');
    const passwordHash = await hashPassword(env.ADMIN_PASSWORD ?? generatedPassword!);
    await db.$transaction(async (tx) => {
      await tx.admin.create({ data: { email, passwordHash, role: 'GLOBAL' } });
      await audit(tx, SYSTEM, 'admin.create', email, null, { email, role: 'GLOBAL', firstAdmin: true });
    });
    return { email, created: true, generatedPassword };
  } finally {
    await db.$disconnect();
  }
}
