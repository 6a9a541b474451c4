import 'server-only';
import { createHash } from 'node:crypto';
import { domainChoices, type DomainChoice } from '@/lib/forms/domains';
import { DEFAULT_POLICY, getPolicyOverride, mergePolicy, type Policy, type PolicyOverride } from '@/lib/policy';
import { db } from './db';
import { requireGlobalAdmin } from './session';

export type { DomainChoice, Policy, PolicyOverride };

export interface PolicyEditor {
  domains: DomainChoice[];
  /** The domain whose overrides are edited; null: the global policy. */
  domain: DomainChoice | null;
  /** What the form starts from: the domain's overrides, or the global policy with every default filled in. */
  editing: PolicyOverride | Policy;
  /** The global policy in force, which a domain inherits. */
  globalEffective: Policy;
  /** The domain's overrides; null when editing the global policy. */
  domainOverride: PolicyOverride | null;
  /**
   * A digest of the stored settings being edited, so a save can tell they changed meanwhile. A
   * digest, not the settings: the stored smarthost password (sealed) never reaches the browser.
   */
  version: string;
}

/** The global policy or one domain's overrides (domainId from the query string; unknown ones mean global), global admins only. */
export async function getPolicyEditor(domainId: string | undefined): Promise<PolicyEditor> {
  const admin = await requireGlobalAdmin();
  const database = db();
  const [domains, globalOverride] = await Promise.all([domainChoices(database, admin), getPolicyOverride(database, null)]);
  const domain = domains.find((d) => d.id === domainId) ?? null;
  const globalEffective = mergePolicy(globalOverride);
  const domainOverride = domain ? await getPolicyOverride(database, domain.id) : null;
  const version = createHash('sha256').update(JSON.stringify(domain ? domainOverride : globalOverride)).digest('base64url');
  return {
    domains,
    domain,
    editing: domain ? (domainOverride ?? {}) : { ...DEFAULT_POLICY, ...globalEffective },
    globalEffective,
    domainOverride,
    version,
  };
}
