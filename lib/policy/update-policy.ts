import { isGlobal, type Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { ServiceError } from '@/lib/errors';
import { GLOBAL_POLICY_ID, getPolicyOverride } from './get-policy';
import { policyOverrideSchema, type PolicyOverride } from './schema';

export interface UpdatePolicyInput {
  /** null = the global row. */
  domainId: string | null;
  /** The complete set of keys to store: keys left out fall back (to global, then defaults). */
  settings: unknown;
}

/**
 * The before/after pair an audit row may hold: the smarthost's sealed password becomes
 * "(set)", or "(changed)" on the side that stores a new one, so the audit diff shows
 * that the password changed and nothing of it (lib/policy/smarthost.ts seals it).
 */
function withoutSealedSecrets(before: PolicyOverride, after: PolicyOverride): [PolicyOverride, PolicyOverride] {
  const was = before.smarthost?.passwordSealed ?? '';
  const now = after.smarthost?.passwordSealed ?? '';
  const mark = (settings: PolicyOverride, value: string): PolicyOverride =>
    settings.smarthost?.passwordSealed ? { ...settings, smarthost: { ...settings.smarthost, passwordSealed: value } } : settings;
  return [mark(before, '(set)'), mark(after, now !== was ? '(changed)' : '(set)')];
}

/**
 * Replaces the global policy or a domain's override, audits before/after and
 * NOTIFYs the daemons. Policies are server-wide knobs: global admins only.
 */
export async function updatePolicy(db: Db, actor: Actor, input: UpdatePolicyInput): Promise<PolicyOverride> {
  if (!isGlobal(actor)) throw new ServiceError('forbidden', 'only global admins change policies');
  const parsed = policyOverrideSchema.safeParse(input.settings ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ServiceError('invalid', issue.message, issue.path.join('.') || 'settings');
  }
  const settings = parsed.data;
  return db.$transaction(async (tx) => {
    let target = 'global';
    if (input.domainId) {
      const domain = await tx.domain.findUnique({ where: { id: input.domainId }, select: { name: true } });
      if (!domain) throw new ServiceError('not_found', 'no such domain', 'domainId');
      target = domain.name;
    }
    const before = await getPolicyOverride(tx, input.domainId);
    if (input.domainId) {
      await tx.policy.upsert({
        where: { domainId: input.domainId },
        create: { domainId: input.domainId, settings: settings as never },
        update: { settings: settings as never },
      });
    } else {
      await tx.policy.update({ where: { id: GLOBAL_POLICY_ID }, data: { settings: settings as never } });
    }
    await audit(tx, actor, 'policy.update', `policy:${target}`, ...withoutSealedSecrets(before, settings));
    await announce(tx, CHANNELS.policy, { domainId: input.domainId });
    return settings;
  });
}
