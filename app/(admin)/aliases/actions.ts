'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { createAlias, removeAlias, updateAlias } from '@/lib/aliases';
import { checkDestinations } from '@/lib/aliases/check-destinations';
import { isServiceError } from '@/lib/errors';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { echo, fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { splitList } from '@/lib/forms/list';

const createSchema = z.object({
  kind: z.enum(['address', 'catchall']),
  localPart: z.string().trim().max(64, 'at most 64 characters').optional(),
  domain: z.string().trim().min(1, 'choose a domain').max(253),
  destinations: z
    .string()
    .transform(splitList)
    .pipe(z.array(z.string().max(254)).min(1, 'enter at least one destination').max(100, 'at most 100 destinations')),
});

/** The source's own problem, or null: checked beside the schema so one submit reports the source and the destinations together. */
function sourceProblem(kind: unknown, localPart: string | undefined): string | null {
  if (kind === 'catchall') return null;
  if (!localPart) return 'enter the part before "@"';
  if (localPart.includes('@')) return 'enter only the part before "@"; pick the domain on the right';
  return null;
}

/** The destinations' refusal (unknown local address, loop…) for a form whose source was refused, so the admin sees both at once. */
async function destinationsProblem(source: string, destinations: string[]): Promise<string | null> {
  try {
    await checkDestinations(db(), source, destinations);
    return null;
  } catch (err) {
    if (isServiceError(err) && err.field === 'destinations') return err.message;
    return null;
  }
}

export async function createAliasAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const raw = {
    kind: formData.get('kind') ?? 'address',
    localPart: typeof formData.get('localPart') === 'string' ? String(formData.get('localPart')).trim() : undefined,
    domain: formData.get('domain'),
    destinations: formData.get('destinations') ?? '',
  };
  const parsed = createSchema.safeParse(raw);
  const badSource = sourceProblem(raw.kind, raw.localPart);
  if (!parsed.success || badSource) {
    const state = parsed.success ? { ok: false, message: 'Please correct the highlighted fields.', fieldErrors: {} as Record<string, string> } : fromZodError(parsed.error);
    const fieldErrors = { ...state.fieldErrors };
    if (badSource) fieldErrors.source ??= badSource;
    if (parsed.success && !fieldErrors.destinations) {
      const bad = await destinationsProblem(`${raw.localPart ?? ''}@${parsed.data.domain}`, parsed.data.destinations);
      if (bad) fieldErrors.destinations = bad;
    }
    return { ...state, fieldErrors, values: echo(formData) };
  }
  const input = parsed.data;
  let created: string;
  try {
    // The service resolves the domain inside the actor's scope: naming another tenant's domain is refused.
    const source = input.kind === 'catchall' ? `@${input.domain}` : `${input.localPart}@${input.domain}`;
    created = (await createAlias(db(), actor, { source, destinations: input.destinations })).source;
  } catch (err) {
    const state = { ...fromError(err), values: echo(formData) };
    // A refused source (it exists, it is a mailbox, another tenant's domain): say what is wrong with the destinations too.
    if (state.fieldErrors?.source) {
      const bad = await destinationsProblem(input.kind === 'catchall' ? `@${input.domain}` : `${input.localPart}@${input.domain}`, input.destinations);
      if (bad) state.fieldErrors = { ...state.fieldErrors, destinations: bad };
    }
    return state;
  }
  revalidatePath('/aliases');
  // Back to the list, showing the new alias, which says what was added ("@domain": the domain's catch-all).
  redirect(`/aliases?q=${encodeURIComponent(created)}&created=${encodeURIComponent(created)}`);
}

const sourceSchema = z.object({ source: z.string().trim().min(1).max(320) });

export async function deleteAliasAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = sourceSchema.safeParse({ source: formData.get('source') });
  if (!parsed.success) return { ok: false, message: 'Unknown alias.' };
  try {
    await removeAlias(db(), actor, { source: parsed.data.source });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/aliases');
  return success('Alias deleted.');
}

export async function toggleAliasAction(formData: FormData): Promise<void> {
  const actor = await requireAdmin();
  const parsed = sourceSchema.extend({ enabled: z.enum(['true', 'false']) }).safeParse({ source: formData.get('source'), enabled: formData.get('enabled') });
  if (!parsed.success) return;
  // A refusal here (out of scope, gone meanwhile) surfaces as the page's error boundary.
  await updateAlias(db(), actor, { source: parsed.data.source, enabled: parsed.data.enabled === 'true' });
  revalidatePath('/aliases');
}

export async function updateDestinationsAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = sourceSchema
    .extend({
      destinations: z
        .string()
        .transform(splitList)
        .pipe(z.array(z.string().max(254)).min(1, 'enter at least one destination').max(100, 'at most 100 destinations')),
    })
    .safeParse({ source: formData.get('source'), destinations: formData.get('destinations') ?? '' });
  if (!parsed.success) return { ...fromZodError(parsed.error), values: echo(formData) };
  try {
    await updateAlias(db(), actor, parsed.data);
  } catch (err) {
    return { ...fromError(err), values: echo(formData) };
  }
  revalidatePath('/aliases');
  return success('Saved.');
}
