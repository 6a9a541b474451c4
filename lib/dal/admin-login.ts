import 'server-only';
import { SYSTEM, type Actor } from '@/lib/actor';
import { audit } from '@/lib/audit';
import { verifyAdminLogin } from '@/lib/auth/admin-login';
import { recordLoginFailure } from '@/lib/auth/throttle';
import { getEffectivePolicy } from '@/lib/policy';
import { db } from './db';
import { findRecoveryCode, verifyTotp } from './totp';

export type LoginFailure = 'invalid' | 'throttled' | 'totp_required' | 'totp_invalid';
export type LoginResult = { ok: true; admin: { id: string; email: string } } | { ok: false; reason: LoginFailure };

export interface LoginInput {
  email: string;
  password: string;
  /** A 6-digit TOTP code or a recovery code, when the admin has TOTP enabled. */
  code?: string;
  ip?: string;
}

/** True when this admin already signed in with a TOTP code of `step` or later (a code lives at most 3 steps). */
async function totpStepUsed(database: ReturnType<typeof db>, adminId: string, step: number): Promise<boolean> {
  const used = await database.auditLog.findFirst({
    where: {
      action: 'admin.login',
      actorId: adminId,
      at: { gte: new Date(Date.now() - 5 * 60_000) },
      after: { path: ['totpStep'], gte: step },
    },
    select: { id: true },
  });
  return used !== null;
}

/**
 * The panel's sign-in: lib/auth's verifyAdminLogin (the panel's throttle: per (admin,
 * IP), per IP, and the admin's slow-down; argon2id, audited failures), then the second
 * factor when the admin has TOTP enabled — a current TOTP code or one unused recovery
 * code (consumed). A wrong code counts as a failure in the same throttle and is audited.
 */
export async function adminLogin(input: LoginInput): Promise<LoginResult> {
  const database = db();
  const ip = input.ip ?? 'unknown';
  const first = await verifyAdminLogin(database, { email: input.email, password: input.password, ip });
  if (!first.ok) return first;
  const { admin } = first;
  const actor: Actor = { kind: 'admin', id: admin.id, email: admin.email, role: admin.role, domainIds: admin.domainIds, ip };

  let totpStep: number | null = null;
  if (admin.totpEnabled) {
    const code = String(input.code ?? '').trim().slice(0, 64);
    // The password was right: ask for the second factor without counting a failure.
    if (!code) return { ok: false, reason: 'totp_required' };
    const row = await database.admin.findUnique({ where: { id: admin.id }, select: { totpSecret: true, recoveryCodes: true } });
    const step = row?.totpSecret ? verifyTotp(row.totpSecret, code) : null;
    // One sign-in per code: the step of the last TOTP sign-in is kept in its audit row.
    let ok = step !== null && !(await totpStepUsed(database, admin.id, step));
    totpStep = ok ? step : null;
    if (!ok && row && step === null) {
      const index = await findRecoveryCode(row.recoveryCodes, code);
      if (index >= 0) {
        ok = true;
        const remaining = row.recoveryCodes.filter((_, i) => i !== index);
        await database.admin.update({ where: { id: admin.id }, data: { recoveryCodes: remaining } });
        await audit(database, actor, 'admin.recovery_code.used', admin.email, undefined, { remaining: remaining.length });
      }
    }
    if (!ok) {
      const policy = await getEffectivePolicy(database);
      await recordLoginFailure(database, { group: 'panel', account: admin.email, ip }, policy.bruteForce);
      await audit(database, SYSTEM, 'admin.login.totp_failed', admin.email, undefined, undefined, ip);
      return { ok: false, reason: 'totp_invalid' };
    }
  }

  await audit(database, actor, 'admin.login', admin.email, undefined, totpStep === null ? undefined : { totpStep });
  return { ok: true, admin: { id: admin.id, email: admin.email } };
}
