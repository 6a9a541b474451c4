import 'server-only';
import { redirect } from 'next/navigation';
import { findAdmin, listAdmins } from '@/lib/admins';
import { getPendingTotp, getTotpStatus } from '@/lib/admins/totp';
import { domainChoices, type DomainChoice } from '@/lib/forms/domains';
import { getEffectivePolicy } from '@/lib/policy';
import type { PasswordRules } from '@/lib/validations/password';
import { db } from './db';
import { panelSecrets } from './secrets';
import { requireAdmin } from './session';

export type { DomainChoice };

/** An admin as the admins page shows it (no dates, no password state of others). */
export interface AdminRow {
  id: string;
  email: string;
  role: 'GLOBAL' | 'DOMAIN';
  /** Domain names (ASCII), sorted. */
  domains: string[];
  totpEnabled: boolean;
}

export interface AdminsOverview {
  selfId: string;
  admins: AdminRow[];
  /** The domains a new or edited domain admin may be given. */
  domains: DomainChoice[];
  passwordRules: PasswordRules;
  requireTotp: boolean;
}

/** Every admin, for global admins; a domain admin manages no admins and is sent to their own account. */
export async function getAdminsOverview(): Promise<AdminsOverview> {
  const admin = await requireAdmin();
  if (admin.role !== 'GLOBAL') redirect('/admins/me');
  const database = db();
  const [admins, domains, policy] = await Promise.all([listAdmins(database, admin), domainChoices(database, admin), getEffectivePolicy(database)]);
  return {
    selfId: admin.id,
    admins: admins.map((a) => ({ id: a.id, email: a.email, role: a.role, domains: a.domains, totpEnabled: a.totpEnabled })),
    domains,
    passwordRules: policy.password,
    requireTotp: policy.requireTotp,
  };
}

export interface MyAccount {
  email: string;
  role: 'GLOBAL' | 'DOMAIN';
  domains: string[];
  totpEnabled: boolean;
  mustChangePassword: boolean;
  passwordRules: PasswordRules;
  requireTotp: boolean;
}

/** The signed-in admin's own account and the policy that applies to it. */
export async function getMyAccount(): Promise<MyAccount> {
  const admin = await requireAdmin();
  const database = db();
  const [me, policy] = await Promise.all([findAdmin(database, admin.email), getEffectivePolicy(database)]);
  return {
    email: me.email,
    role: me.role,
    domains: me.domains,
    totpEnabled: me.totpEnabled,
    mustChangePassword: me.mustChangePassword,
    passwordRules: policy.password,
    requireTotp: policy.requireTotp,
  };
}

export interface MyTotp {
  enabled: boolean;
  recoveryCodesLeft: number;
  /** While an enrolment waits for its first code: the otpauth URI and the secret. */
  pending: { uri: string; secret: string } | null;
  requireTotp: boolean;
}

/** The signed-in admin's second factor. */
export async function getMyTotp(): Promise<MyTotp> {
  const admin = await requireAdmin();
  const database = db();
  const [status, policy] = await Promise.all([getTotpStatus(database, admin), getEffectivePolicy(database)]);
  const pending = status.pending ? await getPendingTotp(database, admin, { masterKey: panelSecrets().masterKey }) : null;
  return { enabled: status.enabled, recoveryCodesLeft: status.recoveryCodesLeft, pending, requireTotp: policy.requireTotp };
}
