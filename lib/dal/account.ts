import 'server-only';
import { listAppPasswords, type AppPasswordDto } from '@/lib/app-passwords';
import { getEffectivePolicy } from '@/lib/policy';
import {
  getForwarding,
  getMailboxTotp,
  getOverview,
  getRecentLogins,
  getVacation,
  listOwnSmime,
  pendingMailboxTotp,
  type Forwarding,
  type MailUserOverview,
  type RecentLogin,
  type Vacation,
} from '@/lib/self-service';
import type { PasswordRules } from '@/lib/validations/password';
import { db } from './db';
import { requireMailUser } from './mail-user';
import { panelSecrets } from './secrets';

// The mailbox owner's own area: every read starts from the owner's session, never from an id
// the browser sends, so a page can only ever show the signed-in mailbox.

export type { AppPasswordDto, Forwarding, MailUserOverview, RecentLogin, Vacation };
export { MAX_APP_PASSWORDS } from '@/lib/app-passwords';
export { MAX_FORWARDS } from '@/lib/self-service';

/** Storage use and the recent mail-client sign-ins. */
export async function getAccountOverview(): Promise<{ overview: MailUserOverview; logins: RecentLogin[] }> {
  const user = await requireMailUser();
  const [overview, logins] = await Promise.all([getOverview(db(), user), getRecentLogins(db(), user)]);
  return { overview, logins };
}

/** The owner's app passwords and whether the domain's policy makes them the only way in for mail clients. */
export async function getAccountAppPasswords(): Promise<{ rows: AppPasswordDto[]; required: boolean }> {
  const user = await requireMailUser();
  const [rows, policy] = await Promise.all([listAppPasswords(db(), user), getEffectivePolicy(db(), user.domainId)]);
  return { rows, required: policy.requireAppPasswords };
}

export async function getAccountForwarding(): Promise<Forwarding> {
  const user = await requireMailUser();
  return getForwarding(db(), user);
}

export async function getAccountVacation(): Promise<Vacation> {
  const user = await requireMailUser();
  return getVacation(db(), user);
}

/** The owner's address and the password rules (domain override included) a new password must meet. */
export async function getAccountPasswordRules(): Promise<{ address: string; rules: PasswordRules }> {
  const user = await requireMailUser();
  const policy = await getEffectivePolicy(db(), user.domainId);
  return { address: user.address, rules: policy.password };
}

export interface OwnSmimeRow {
  id: string;
  notAfter: Date;
  fingerprintSha256: string;
}

/** The owner's S/MIME certificates still in force (revoked ones are not offered for download). */
export async function getAccountSmime(): Promise<OwnSmimeRow[]> {
  const user = await requireMailUser();
  const certs = await listOwnSmime(db(), user);
  return certs.filter((c) => !c.revokedAt).map((c) => ({ id: c.id, notAfter: c.notAfter, fingerprintSha256: c.fingerprintSha256 }));
}

/** Whether TOTP is on and, while an enrolment is pending, its otpauth URI and secret for the QR code. */
export async function getAccountTotp(): Promise<{ enabled: boolean; pending: { uri: string; secret: string } | null }> {
  const user = await requireMailUser();
  const status = await getMailboxTotp(db(), user);
  const pending = status.pending ? await pendingMailboxTotp(db(), user, { masterKey: panelSecrets().masterKey }) : null;
  return { enabled: status.enabled, pending };
}
