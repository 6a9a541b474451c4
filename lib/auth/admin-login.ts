import { audit } from '@/lib/audit/audit';
import type { Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';
import { getEffectivePolicy } from '@/lib/policy/get-policy';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';
import { dummyHash, verifyPassword } from './password';
import { admitLogin, recordLoginFailure, recordLoginSuccess, type LoginAttempt, type SlowDown } from './throttle';

export type AdminLoginResult =
  | { ok: true; admin: { id: string; email: string; role: 'GLOBAL' | 'DOMAIN'; domainIds: string[]; totpEnabled: boolean } }
  | { ok: false; reason: 'invalid' | 'throttled' };

/**
 * The panel's credentials check (next-auth authorize): the throttle of ./throttle.ts
 * under the panel's own keys (group 'panel', never the mail protocols'), the same
 * generic failure, and every failure audited. TOTP is checked by the caller after this
 * succeeds (totpEnabled tells it to). `slowDown` is a test knob.
 */
export async function verifyAdminLogin(
  db: Db,
  input: { email: string; password: string; ip: string },
  options: { slowDown?: SlowDown } = {},
): Promise<AdminLoginResult> {
  const email = String(input.email ?? '').trim().toLowerCase().slice(0, 320);
  const attempt: LoginAttempt = { group: 'panel', account: email, ip: input.ip };
  const policy = await getEffectivePolicy(db);
  const system: Actor = { kind: 'system' };
  if (!(await admitLogin(db, attempt, policy.bruteForce, options.slowDown)).admitted) {
    await audit(db, system, 'admin.login.throttled', email, undefined, undefined, input.ip);
    return { ok: false, reason: 'throttled' };
  }
  const admin = await db.admin.findUnique({
    where: { email },
    select: { id: true, email: true, role: true, passwordHash: true, totpEnabled: true, domains: { select: { domainId: true } } },
  });
  const password = String(input.password ?? '');
  const ok = password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(admin?.passwordHash ?? (await dummyHash()), password));
  if (admin && ok) {
    await recordLoginSuccess(db, attempt);
    return {
      ok: true,
      admin: { id: admin.id, email: admin.email, role: admin.role, domainIds: admin.domains.map((d) => d.domainId), totpEnabled: admin.totpEnabled },
    };
  }
  await recordLoginFailure(db, attempt, policy.bruteForce);
  await audit(db, system, 'admin.login.failed', email, undefined, undefined, input.ip);
  return { ok: false, reason: 'invalid' };
}
