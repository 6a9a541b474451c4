import type { Actor } from '@/lib/actor';
import { seal } from '@/lib/crypto/seal';
import type { Db } from '@/lib/db/prisma';
import { getPolicyOverride } from './get-policy';
import type { Policy, PolicyOverride } from './schema';
import { updatePolicy } from './update-policy';

// The smarthost password crosses the panel and the CLI in clear exactly once, on its
// way in: it is sealed with the master key here and only the sealed value is stored.
// Nothing ever reads it back out except the queue runner (mail-daemon/outbound/runner.ts).

export type StoredSmarthost = NonNullable<Policy['smarthost']>;

/** The relay as a form or the CLI gives it: a clear password instead of the sealed one. */
export interface SmarthostInput {
  host: string;
  port: number;
  security: StoredSmarthost['security'];
  username: string;
  domains: string[];
  /** A new password; empty or absent keeps the stored one. */
  password?: string;
  /** Forget the stored password (the relay is used without AUTH). */
  clearPassword?: boolean;
}

/**
 * The smarthost to store: the input's settings with `passwordSealed` taken from, in
 * order, a new password (sealed now), "clear" (empty), or what was stored before.
 * null (no relay) forgets the stored password too.
 */
export function sealSmarthost(input: SmarthostInput | null, stored: Policy['smarthost'] | undefined, masterKey: string): StoredSmarthost | null {
  if (!input) return null;
  const passwordSealed = input.password ? seal(input.password, masterKey) : input.clearPassword ? '' : (stored?.passwordSealed ?? '');
  return {
    host: input.host,
    port: input.port,
    security: input.security,
    username: input.username,
    passwordSealed,
    domains: input.domains,
  };
}

export interface UpdateWithSmarthostInput {
  domainId: string | null;
  /** Every other key to store (as for updatePolicy); a `smarthost` key here is replaced. */
  settings: Record<string, unknown>;
  /** undefined: store `settings` as given; null: no relay; else the relay with its clear password. */
  smarthost?: SmarthostInput | null;
}

/**
 * updatePolicy with the relay's password sealed first: what the policies page and
 * `postern policy smarthost` call. Audited by updatePolicy, which never writes the
 * sealed value into the audit row.
 */
export async function updatePolicyWithSmarthost(db: Db, actor: Actor, input: UpdateWithSmarthostInput, masterKey: string): Promise<PolicyOverride> {
  const settings: Record<string, unknown> = { ...input.settings };
  if (input.smarthost !== undefined) {
    const stored = (await getPolicyOverride(db, input.domainId)).smarthost;
    const next = sealSmarthost(input.smarthost, stored, masterKey);
    // No relay is the default: the row leaves the key out rather than storing null.
    if (next) settings.smarthost = next;
    else delete settings.smarthost;
  }
  return updatePolicy(db, actor, { domainId: input.domainId, settings });
}

/** For display (CLI `policy show`, audit rows): the sealed value becomes "(set)"; never the ciphertext. */
export function redactSmarthost<T>(settings: T): T {
  const sh = (settings as { smarthost?: StoredSmarthost | null } | null)?.smarthost;
  if (!sh || !sh.passwordSealed) return settings;
  return { ...settings, smarthost: { ...sh, passwordSealed: '(set)' } };
}
