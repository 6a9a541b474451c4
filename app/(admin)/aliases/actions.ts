'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { createAlias, removeAlias, updateAlias } from '@/lib/aliases';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { echo, fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { splitList } from '@/lib/forms/list';

const createSchema = z
  .object({
    kind: z.enum(['address', 'catchall']),
    localPart: z.string().trim().max(64, 'at most 64 characters').optional(),
    domain: z.string().trim().min(1, 'choose a domain').max(253),
    destinations: z
      .string()
      .transform(splitList)
      .pipe(z.array(z.string().max(254)).min(1, 'enter at least one destination').max(100, 'at most 100 destinations')),
  })
  .refine((v) => v.kind === 'catchall' || Boolean(v.localPart), { message: 'enter the part before "@"', path: ['source'] })
  .refine((v) => v.kind === 'catchall' || !v.localPart?.includes('@'), { message: 'enter only the part before "@"; pick the domain on the right', path: ['source'] });

export async function createAliasAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = createSchema.safeParse({
    kind: formData.get('kind') ?? 'address',
    localPart: formData.get('localPart') ?? undefined,
    domain: formData.get('domain'),
    destinations: formData.get('destinations') ?? '',
  });
  if (!parsed.success) return { ...fromZodError(parsed.error), values: echo(formData) };
  const input = parsed.data;
  try {
    // The service resolves the domain inside the actor's scope: naming another tenant's domain is refused.
    const source = input.kind === 'catchall' ? `@${input.domain}` : `${input.localPart}@${input.domain}`;
    const alias = await createAlias(db(), actor, { source, destinations: input.destinations });
    revalidatePath('/aliases');
    return success(input.kind === 'catchall' ? `Catch-all for ${alias.source.slice(1)} added.` : `Alias ${alias.source} added.`);
  } catch (err) {
    return { ...fromError(err), values: echo(formData) };
  }
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
