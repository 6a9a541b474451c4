'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { createMailbox } from '@/lib/mailboxes/create-mailbox';
import { removeMailbox } from '@/lib/mailboxes/remove-mailbox';
import { setMailboxPassword } from '@/lib/mailboxes/set-mailbox-password';
import { updateMailbox } from '@/lib/mailboxes/update-mailbox';
import { MAX_PASSWORD_LENGTH, quotaSchema } from '@/lib/validations';

// Thin: requireAdmin() → zod safeParse → lib/mailboxes service → revalidatePath. The
// services normalize and check everything again (address, policy, scope); a
// ServiceError with a field lands next to that field.

export interface MailboxResult {
  address: string;
  generatedPassword?: string;
}

const text = (fd: FormData, name: string) => {
  const v = fd.get(name);
  return typeof v === 'string' ? v : '';
};

/**
 * The amount box must hold a plain number: a word typed there would otherwise reach the
 * size parser as "lotsG" and come back in its terms. A sentence for the quota field, or null.
 */
function quotaAmountProblem(fd: FormData): string | null {
  if (text(fd, 'quotaUnit') === 'none') return null;
  const amount = text(fd, 'quotaAmount').trim();
  return amount === '' || /^\d+(\.\d+)?$/.test(amount) ? null : 'Enter the quota as a number, such as 2 or 1.5, or choose Unlimited.';
}
const quotaRefused = (message: string): FormState<never> => ({ ok: false, message: 'Please correct the highlighted fields.', fieldErrors: { quota: message } });

/** The quota inputs (amount + unit) as one size string for quotaSchema: "0" = unlimited, "" = none given. */
function quotaInput(fd: FormData): string {
  const unit = text(fd, 'quotaUnit');
  if (unit === 'none') return '0';
  const amount = text(fd, 'quotaAmount').trim();
  if (!amount) return '';
  return `${amount}${['M', 'G', 'T'].includes(unit) ? unit : 'G'}`;
}

const quotaField = z.union([z.literal(''), quotaSchema]);
const nameField = z.string().max(200, 'a display name is at most 200 characters');
const passwordField = z.string().max(MAX_PASSWORD_LENGTH, `at most ${MAX_PASSWORD_LENGTH} characters`);
const addressField = z.string().min(3).max(320);

const createSchema = z.object({
  localPart: z.string().trim().min(1, 'enter the part before "@"').max(64, 'the part before "@" is at most 64 characters'),
  domain: z.string().min(1, 'pick a domain'),
  name: nameField,
  password: passwordField,
  quota: quotaField,
  enabled: z.boolean(),
});

export async function createMailboxAction(_prev: FormState<MailboxResult>, fd: FormData): Promise<FormState<MailboxResult>> {
  const admin = await requireAdmin();
  const quotaProblem = quotaAmountProblem(fd);
  if (quotaProblem) return quotaRefused(quotaProblem);
  const parsed = createSchema.safeParse({
    localPart: text(fd, 'localPart'),
    domain: text(fd, 'domain'),
    name: text(fd, 'name'),
    password: text(fd, 'password'),
    quota: quotaInput(fd),
    enabled: fd.get('enabled') === 'on',
  });
  if (!parsed.success) return fromZodError(parsed.error);
  const input = parsed.data;
  let result: { address: string; generatedPassword?: string };
  try {
    const created = await createMailbox(db(), admin, {
      address: `${input.localPart}@${input.domain}`,
      name: input.name,
      password: input.password || undefined,
      quota: input.quota === '' ? undefined : input.quota,
      enabled: input.enabled,
    });
    result = { address: created.mailbox.address, generatedPassword: created.generatedPassword };
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/mailboxes');
  revalidatePath('/');
  // A generated password is shown once, on the form; otherwise go to the new mailbox in the list.
  if (result.generatedPassword) return success(`Created ${result.address}.`, result);
  redirect(`/mailboxes?q=${encodeURIComponent(result.address)}&created=${encodeURIComponent(result.address)}`);
}

const updateSchema = z.object({
  address: addressField,
  name: nameField,
  quota: z.string().min(1, 'Enter a quota, or choose Unlimited.').pipe(quotaSchema as z.ZodType<number, string>),
});

export async function updateMailboxAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const quotaProblem = quotaAmountProblem(fd);
  if (quotaProblem) return quotaRefused(quotaProblem);
  // Enabling and disabling is the page's own button (setMailboxEnabledAction), not part of this form.
  const parsed = updateSchema.safeParse({ address: text(fd, 'address'), name: text(fd, 'name'), quota: quotaInput(fd) });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const m = await updateMailbox(db(), admin, {
      address: parsed.data.address,
      name: parsed.data.name,
      quota: parsed.data.quota,
    });
    revalidatePath('/mailboxes');
    revalidatePath(`/mailboxes/${encodeURIComponent(m.address)}`);
    return success(`Saved ${m.address}.`);
  } catch (err) {
    return fromError(err);
  }
}

const passwordSchema = z.object({ address: addressField, password: passwordField });

export async function resetPasswordAction(_prev: FormState<MailboxResult>, fd: FormData): Promise<FormState<MailboxResult>> {
  const admin = await requireAdmin();
  const parsed = passwordSchema.safeParse({ address: text(fd, 'address'), password: text(fd, 'password') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const r = await setMailboxPassword(db(), admin, { address: parsed.data.address, password: parsed.data.password || undefined });
    return success(`Password changed for ${parsed.data.address}.`, { address: parsed.data.address, generatedPassword: r.generatedPassword });
  } catch (err) {
    return fromError(err);
  }
}

const toggleSchema = z.object({ address: addressField, enabled: z.enum(['true', 'false']) });

export async function setMailboxEnabledAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = toggleSchema.safeParse({ address: text(fd, 'address'), enabled: text(fd, 'enabled') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const m = await updateMailbox(db(), admin, { address: parsed.data.address, enabled: parsed.data.enabled === 'true' });
    revalidatePath('/mailboxes');
    revalidatePath(`/mailboxes/${encodeURIComponent(m.address)}`);
    return success(`${m.enabled ? 'Enabled' : 'Disabled'} ${m.address}.`);
  } catch (err) {
    return fromError(err);
  }
}

export async function removeMailboxAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = z.object({ address: addressField }).safeParse({ address: text(fd, 'address') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await removeMailbox(db(), admin, { address: parsed.data.address });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/mailboxes');
  revalidatePath('/');
  redirect(`/mailboxes?deleted=${encodeURIComponent(parsed.data.address)}`);
}
