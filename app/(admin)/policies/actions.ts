'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAdmin } from '@/lib/dal/session';
import { db } from '@/lib/dal/db';
import { panelSecrets } from '@/lib/dal/secrets';
import { isServiceError } from '@/lib/errors';
import { fromError, success, type FormState } from '@/lib/forms/state';
import { DEFAULT_POLICY, getPolicyOverride, updatePolicyWithSmarthost, type SmarthostInput } from '@/lib/policy';
import { normalizeAddress, normalizeDomain, parseQuota } from '@/lib/validations';
import { POLICY_FIELDS, getPath } from './fields';
import { fieldForPath, parsePolicyForm, withoutDefaults } from './parse';
import { policySchemaError } from './schema-error';

const domainIdSchema = z.union([z.literal(''), z.uuid()]).nullish();

/** Top-level keys the form sets; stored keys outside them (set with the CLI) survive a save. */
const FORM_KEYS = new Set(POLICY_FIELDS.map((f) => f.path.split('.')[0]));

async function save(domainId: string | null, settings: Record<string, unknown>, smarthost?: SmarthostInput | null): Promise<FormState | null> {
  const actor = await requireAdmin();
  try {
    // The relay's clear password is sealed with the master key inside; only the sealed value is stored.
    await updatePolicyWithSmarthost(db(), actor, { domainId, settings, smarthost }, panelSecrets().masterKey);
  } catch (err) {
    if (isServiceError(err) && err.field) {
      // "relayNetworks.2" names one entry of a list: say which one.
      const entry = /\.(\d+)$/.test(err.field) ? getPath(settings, err.field) : undefined;
      const message = typeof entry === 'string' ? `"${entry}": ${err.message}` : err.message;
      return { ok: false, message: 'Please correct the highlighted fields.', fieldErrors: { [fieldForPath(err.field)]: message } };
    }
    return fromError(err);
  }
  revalidatePath('/policies');
  revalidatePath('/audit');
  return null;
}

/** Saves the global policy (every field) or a domain's overrides (only the fields set to "override"). */
export async function savePolicyAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const domain = domainIdSchema.safeParse(formData.get('domainId'));
  if (!domain.success) return { ok: false, message: 'Unknown domain.' };
  const domainId = domain.data || null;
  const get = (name: string) => {
    const v = formData.get(name);
    return typeof v === 'string' ? v : null;
  };
  const parsed = parsePolicyForm(get, domainId ? 'domain' : 'global', {
    bytes: (s) => parseQuota(s),
    domain: (s) => normalizeDomain(s),
    address: (s) => normalizeAddress(s).address,
    schema: policySchemaError,
  });
  if (Object.keys(parsed.fieldErrors).length) {
    return { ok: false, message: 'Please correct the highlighted fields.', fieldErrors: parsed.fieldErrors };
  }
  // The smarthost (global form only) goes separately: its password is sealed on the way.
  const { smarthost, ...rest } = parsed.settings;
  let settings = rest;
  if (!domainId) {
    // The global row keeps only what differs from the built-in defaults, so the audit
    // log shows exactly what an admin changed; keys the form does not show are kept.
    const stored = (await getPolicyOverride(db(), null)) as Record<string, unknown>;
    const kept = Object.fromEntries(Object.entries(stored).filter(([key]) => !FORM_KEYS.has(key)));
    settings = { ...kept, ...withoutDefaults(rest, DEFAULT_POLICY as unknown as Record<string, unknown>) };
  }
  const failed = await save(domainId, settings, domainId ? undefined : ((smarthost as SmarthostInput | null | undefined) ?? null));
  if (failed) return failed;
  return success(
    domainId
      ? 'Domain overrides saved; the mail daemon applies them at once.'
      : 'Global policy saved; the mail daemon applies it at once.',
  );
}

/** Clears every override of a domain: it inherits the global policy again. */
export async function clearOverridesAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const domain = z.uuid().safeParse(formData.get('domainId'));
  if (!domain.success) return { ok: false, message: 'Unknown domain.' };
  return (await save(domain.data, {})) ?? success('Overrides cleared; the domain follows the global policy.');
}
