'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { createAppPassword, revokeAppPassword } from '@/lib/app-passwords';
import { db } from '@/lib/dal/db';
import { requireMailUser } from '@/lib/dal/mail-user';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { changeMailboxPassword, setForwarding, setVacation } from '@/lib/self-service';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';

// The self-service area's Server Actions: requireMailUser() → zod safeParse → lib/self-service
// or lib/app-passwords (which act on the signed-in mailbox only) → revalidatePath.

const text = (fd: FormData, name: string) => {
  const v = fd.get(name);
  return typeof v === 'string' ? v : '';
};

const passwordSchema = z
  .object({
    current: z.string().min(1, 'enter your current password').max(MAX_PASSWORD_LENGTH),
    password: z.string().min(1, 'enter a new password').max(MAX_PASSWORD_LENGTH),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'the two new passwords differ' });

export async function changePasswordAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = passwordSchema.safeParse({ current: text(fd, 'current'), password: text(fd, 'password'), confirm: text(fd, 'confirm') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await changeMailboxPassword(db(), user, { current: parsed.data.current, password: parsed.data.password, sessionId: user.sessionId });
  } catch (err) {
    return fromError(err);
  }
  return success('Your password was changed. Mail clients signed in with the old one must sign in again.');
}

export interface CreatedAppPassword {
  name: string;
  password: string;
}

export async function createAppPasswordAction(_prev: FormState<CreatedAppPassword>, fd: FormData): Promise<FormState<CreatedAppPassword>> {
  const user = await requireMailUser();
  const parsed = z.object({ name: z.string().trim().min(1, 'name the device').max(64, 'at most 64 characters') }).safeParse({ name: text(fd, 'name') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const created = await createAppPassword(db(), user, parsed.data);
    revalidatePath('/account/app-passwords');
    return success(`App password for ${created.name} created. It is shown only now.`, { name: created.name, password: created.password });
  } catch (err) {
    return fromError(err);
  }
}

export async function revokeAppPasswordAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = z.object({ id: z.string().uuid() }).safeParse({ id: text(fd, 'id') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await revokeAppPassword(db(), user, parsed.data);
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/account/app-passwords');
  return success('Revoked. Mail clients using it can no longer sign in.');
}

const forwardingSchema = z.object({
  destinations: z.array(z.string().trim().max(320)).max(20),
  keepCopy: z.boolean(),
});

export async function setForwardingAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = forwardingSchema.safeParse({
    destinations: text(fd, 'destinations').split(/[\s,;]+/).filter(Boolean),
    keepCopy: fd.get('keepCopy') === 'on',
  });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const f = await setForwarding(db(), user, parsed.data);
    revalidatePath('/account/forwarding');
    return success(f.destinations.length ? `Forwarding to ${f.destinations.join(', ')}.` : 'Forwarding is off.');
  } catch (err) {
    return fromError(err);
  }
}

const vacationSchema = z.object({
  enabled: z.boolean(),
  subject: z.string().max(200, 'at most 200 characters'),
  body: z.string().max(10_000, 'at most 10 000 characters'),
  intervalDays: z.coerce.number().int('whole days').min(1, 'at least 1 day').max(30, 'at most 30 days'),
});

export async function setVacationAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = vacationSchema.safeParse({
    enabled: fd.get('enabled') === 'on',
    subject: text(fd, 'subject'),
    body: text(fd, 'body'),
    intervalDays: text(fd, 'intervalDays'),
  });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const v = await setVacation(db(), user, parsed.data);
    revalidatePath('/account/vacation');
    return success(v.enabled ? 'The auto-reply is on.' : 'The auto-reply is off.');
  } catch (err) {
    return fromError(err);
  }
}
