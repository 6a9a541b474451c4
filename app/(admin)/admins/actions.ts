'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { addAdmin, changeOwnPassword, removeAdmin, setAdminPassword, updateAdmin } from '@/lib/admins';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { echo, fromError, fromZodError, success, type FormState } from '@/lib/forms/state';

const addSchema = z.object({
  email: z.string().trim().min(1, 'enter an email address').max(320),
  password: z.string().max(256).optional(),
  role: z.enum(['GLOBAL', 'DOMAIN']),
  domains: z.array(z.string().max(253)).max(10_000),
});

export async function addAdminAction(_prev: FormState, formData: FormData): Promise<FormState<{ generatedPassword?: string }>> {
  const actor = await requireAdmin();
  const parsed = addSchema.safeParse({
    email: formData.get('email'),
    password: formData.get('password') || undefined,
    role: formData.get('role'),
    domains: formData.getAll('domains'),
  });
  if (!parsed.success) return { ...fromZodError(parsed.error), values: echo(formData) };
  const input = parsed.data;
  try {
    const result = await addAdmin(db(), actor, {
      email: input.email,
      password: input.password,
      role: input.role,
      domains: input.role === 'DOMAIN' ? input.domains : undefined,
    });
    revalidatePath('/admins');
    return success(`${result.admin.email} can now sign in as ${input.role === 'GLOBAL' ? 'a global' : 'a domain'} admin.`, {
      generatedPassword: result.generatedPassword,
    });
  } catch (err) {
    return { ...fromError(err), values: echo(formData) };
  }
}

const emailSchema = z.object({ email: z.string().trim().min(1).max(320) });

export async function removeAdminAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = emailSchema.safeParse({ email: formData.get('email') });
  if (!parsed.success) return { ok: false, message: 'Unknown admin.' };
  try {
    await removeAdmin(db(), actor, parsed.data);
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/admins');
  return success(`${parsed.data.email} was removed.`);
}

export async function updateAdminAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = emailSchema
    .extend({ role: z.enum(['GLOBAL', 'DOMAIN']), domains: z.array(z.string().max(253)).max(10_000) })
    .safeParse({ email: formData.get('email'), role: formData.get('role'), domains: formData.getAll('domains') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const { email, role, domains } = parsed.data;
    await updateAdmin(db(), actor, { email, role, domains: role === 'DOMAIN' ? domains : undefined });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/admins');
  return success('Saved.');
}

/** A generated password for another admin; the old one stops working at once. */
export async function resetAdminPasswordAction(_prev: FormState, formData: FormData): Promise<FormState<{ generatedPassword?: string }>> {
  const actor = await requireAdmin();
  const parsed = emailSchema.safeParse({ email: formData.get('email') });
  if (!parsed.success) return { ok: false, message: 'Unknown admin.' };
  try {
    const result = await setAdminPassword(db(), actor, { email: parsed.data.email });
    return success(`${parsed.data.email} has a new password.`, result);
  } catch (err) {
    return fromError(err);
  }
}

const passwordSchema = z
  .object({
    currentPassword: z.string().min(1, 'enter your current password').max(256),
    newPassword: z.string().min(1, 'enter a new password').max(256, 'at most 256 characters'),
    confirmPassword: z.string().max(256),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'the two new passwords differ', path: ['confirmPassword'] });

export async function changeOwnPasswordAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = passwordSchema.safeParse({
    currentPassword: formData.get('currentPassword'),
    newPassword: formData.get('newPassword'),
    confirmPassword: formData.get('confirmPassword'),
  });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await changeOwnPassword(db(), actor, parsed.data);
  } catch (err) {
    return fromError(err);
  }
  return success('Your password was changed. Use it the next time you sign in.');
}
