'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { addDomain, removeDomain, setDomainEnabled } from '@/lib/domains';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { domainSchema } from '@/lib/validations';

const addSchema = z.object({ name: domainSchema, enabled: z.boolean() });
const nameSchema = z.object({ name: z.string().min(1).max(300) });

export async function addDomainAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = addSchema.safeParse({ name: String(formData.get('name') ?? ''), enabled: formData.get('enabled') === 'on' });
  if (!parsed.success) return fromZodError(parsed.error);
  let name: string;
  try {
    name = (await addDomain(db(), admin, parsed.data)).name;
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/domains');
  revalidatePath('/');
  // Back to the list, which says what was added (by its stored, canonical name).
  redirect(`/domains?created=${encodeURIComponent(name)}`);
}

export async function setDomainEnabledAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = nameSchema.extend({ enabled: z.enum(['true', 'false']) }).safeParse({
    name: formData.get('name'),
    enabled: formData.get('enabled'),
  });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await setDomainEnabled(db(), admin, { name: parsed.data.name, enabled: parsed.data.enabled === 'true' });
    revalidatePath('/domains');
    return success(`${parsed.data.enabled === 'true' ? 'Enabled' : 'Disabled'} ${parsed.data.name}.`);
  } catch (err) {
    return fromError(err);
  }
}

export async function removeDomainAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = nameSchema.safeParse({ name: formData.get('name') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const { removedMailboxes } = await removeDomain(db(), admin, { name: parsed.data.name, force: formData.get('force') === 'on' });
    revalidatePath('/domains');
    revalidatePath('/mailboxes');
    revalidatePath('/');
    return success(`Removed ${parsed.data.name}${removedMailboxes ? ` and ${removedMailboxes} mailbox(es)` : ''}.`);
  } catch (err) {
    return fromError(err);
  }
}
