'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAdmin } from '@/lib/dal/session';
import { db } from '@/lib/dal/db';
import { isServiceError } from '@/lib/errors';
import { fromError, success, type FormState } from '@/lib/forms/state';
import { DEFAULT_POLICY, updatePolicy } from '@/lib/policy';
import { parseQuota } from '@/lib/validations';
import { getPath } from './fields';
import { fieldForPath, parsePolicyForm, withoutDefaults } from './parse';

const domainIdSchema = z.union([z.literal(''), z.uuid()]).nullish();

async function save(domainId: string | null, settings: Record<string, unknown>): Promise<FormState | null> {
  const actor = await requireAdmin();
  try {
    await updatePolicy(db(), actor, { domainId, settings });
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
  const parsed = parsePolicyForm(get, domainId ? 'domain' : 'global', (s) => parseQuota(s));
  if (Object.keys(parsed.fieldErrors).length) {
    return { ok: false, message: 'Please correct the highlighted fields.', fieldErrors: parsed.fieldErrors };
  }
  // The global row keeps only what differs from the built-in defaults, so the audit
  // log shows exactly what an admin changed.
  const settings = domainId ? parsed.settings : withoutDefaults(parsed.settings, DEFAULT_POLICY as unknown as Record<string, unknown>);
  const failed = await save(domainId, settings);
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
