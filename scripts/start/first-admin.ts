import { SYSTEM } from '@/lib/actor';
import { addAdmin } from '@/lib/admins';
import { ConfigError, type Env } from '@/lib/config/env';
import { createPrisma } from '@/lib/db/prisma';
import { isServiceError } from '@/lib/errors';
import { getPolicyOverride, updatePolicy } from '@/lib/policy';

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

/**
 * Policies a new install stores at setup rather than in the schema's defaults: a schema default
 * reaches existing installs too, whose stored rows hold only the keys an admin set.
 *  - requireHeaderFromOwned: an authenticated user's header From: must be one of the user's own
 *    addresses (RFC 5322 §3.6.2), as a mail admin expects of a new server; an upgraded install
 *    keeps sending as before until its admin turns it on.
 * Stored like any policy change (audited, announced to the daemons); a key already set is kept.
 */
async function storeNewInstallPolicy(db: ReturnType<typeof createPrisma>): Promise<void> {
  const global = await getPolicyOverride(db, null);
  if (global.requireHeaderFromOwned !== undefined) return;
  await updatePolicy(db, SYSTEM, { domainId: null, settings: { ...global, requireHeaderFromOwned: true } });
}

/** Creates the first GLOBAL admin when there is none (a new install); later starts leave admins and policies alone. */
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
    await storeNewInstallPolicy(db);
    return { email: admin.email, created: true, generatedPassword };
  } catch (err) {
    if (!isServiceError(err)) throw err;
    const variable = err.field === 'password' ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL';
    throw new ConfigError(`${variable}: ${err.message}`);
  } finally {
    await db.$disconnect();
  }
}
