import type { Db } from '@/lib/db/prisma';
import type { DbOrTx } from '@/lib/audit/types';
import { policyOverrideSchema, policySchema, type Policy, type PolicyOverride } from './schema';

export const GLOBAL_POLICY_ID = '00000000-0000-0000-0000-000000000000';

// A stored row that no longer validates (a field was narrowed later) must not take
// the daemon down: keep the keys that still parse, drop the rest.
function readOverride(settings: unknown): PolicyOverride {
  const parsed = policyOverrideSchema.safeParse(settings ?? {});
  if (parsed.success) return parsed.data;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((settings as Record<string, unknown>) ?? {})) {
    if (policyOverrideSchema.safeParse({ [key]: value }).success) out[key] = value;
  }
  return out as PolicyOverride;
}

/** The keys actually stored for the global row (domainId null) or a domain's override. */
export async function getPolicyOverride(db: DbOrTx, domainId: string | null): Promise<PolicyOverride> {
  const row = domainId
    ? await db.policy.findUnique({ where: { domainId } })
    : await db.policy.findUnique({ where: { id: GLOBAL_POLICY_ID } });
  return readOverride(row?.settings);
}

/** Defaults ← global row ← the domain's override (nested objects merged key by key). */
export function mergePolicy(global: PolicyOverride, domain: PolicyOverride = {}): Policy {
  return policySchema.parse({
    ...global,
    ...domain,
    bruteForce: { ...global.bruteForce, ...domain.bruteForce },
    password: { ...global.password, ...domain.password },
  });
}

/**
 * Where a caller reads the policy in force: straight from the database (`databasePolicy`, the
 * panel and the CLI), or the daemon's cache that a NOTIFY on the policy channel invalidates.
 */
export interface PolicyReader {
  get(domainId?: string | null): Promise<Policy>;
}

export function databasePolicy(db: Db | DbOrTx): PolicyReader {
  return { get: (domainId) => getEffectivePolicy(db, domainId) };
}

/** The policy in force for a domain (or globally when domainId is omitted). */
export async function getEffectivePolicy(db: Db | DbOrTx, domainId?: string | null): Promise<Policy> {
  const rows = await db.policy.findMany({
    where: { OR: [{ id: GLOBAL_POLICY_ID }, ...(domainId ? [{ domainId }] : [])] },
  });
  return policyFromSettings(rows.find((r) => r.id === GLOBAL_POLICY_ID)?.settings, domainId ? rows.find((r) => r.domainId === domainId)?.settings : undefined);
}

/**
 * The policy in force from the stored settings of the global row and the domain's override
 * (either absent), for a caller that read them with more in one statement (lib/auth's mailbox login).
 */
export function policyFromSettings(global: unknown, domain: unknown): Policy {
  return mergePolicy(readOverride(global), readOverride(domain));
}
