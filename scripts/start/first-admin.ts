import { SYSTEM } from '@/lib/actor';
import { addAdmin } from '@/lib/admins';
import { ConfigError, type Env } from '@/lib/config/env';
import { createPrisma } from '@/lib/db/prisma';
import { isServiceError } from '@/lib/errors';

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
    const { admin, generatedPassword } = await addAdmin(db, SYSTEM, {
      email: env.ADMIN_EMAIL ?? defaultEmail(env.POSTERN_HOSTNAME),
      password: env.ADMIN_PASSWORD,
      role: 'GLOBAL',
    });
    return { email: admin.email, created: true, generatedPassword };
  } catch (err) {
    if (!isServiceError(err)) throw err;
    const variable = err.field === 'password' ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
    throw new ConfigError(`${variable}: ${err.message}`);
  } finally {
    await db.$disconnect();
  }
}
