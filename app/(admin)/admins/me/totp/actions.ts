'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp, regenerateRecoveryCodes } from '@/lib/admins/totp';
import { db } from '@/lib/dal/db';
import { panelSecrets } from '@/lib/dal/secrets';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';

const codeSchema = z.object({
  code: z
    .string()
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'enter the 6 digits your app shows')),
});

type Codes = { recoveryCodes: string[] };

/** Step 1: a new secret (sealed with the master key), not in force until verified. */
export async function beginTotpAction(_prev: FormState, _formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  try {
    await beginTotpEnrolment(db(), actor, { masterKey: panelSecrets().masterKey });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/admins/me/totp');
  return success('Scan the code with your app.');
}

/**
 * Step 2: the code proves the app has the secret. No revalidatePath: the page must
 * keep showing the recovery codes this returns — they exist nowhere else.
 */
export async function confirmTotpAction(_prev: FormState<Codes>, formData: FormData): Promise<FormState<Codes>> {
  const actor = await requireAdmin();
  const parsed = codeSchema.safeParse({ code: formData.get('code') ?? '' });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const result = await confirmTotpEnrolment(db(), actor, { masterKey: panelSecrets().masterKey, code: parsed.data.code });
    return success('Two-factor authentication is on. From now on, signing in asks for a code.', result);
  } catch (err) {
    return fromError(err);
  }
}

export async function regenerateCodesAction(_prev: FormState<Codes>, formData: FormData): Promise<FormState<Codes>> {
  const actor = await requireAdmin();
  const parsed = codeSchema.safeParse({ code: formData.get('code') ?? '' });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const result = await regenerateRecoveryCodes(db(), actor, { masterKey: panelSecrets().masterKey, code: parsed.data.code });
    return success('New recovery codes; the old ones no longer work.', result);
  } catch (err) {
    return fromError(err);
  }
}

export async function disableTotpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const parsed = z.object({ password: z.string().min(1, 'enter your password').max(256) }).safeParse({ password: formData.get('password') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await disableTotp(db(), actor, parsed.data);
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/admins/me/totp');
  revalidatePath('/admins/me');
  return success('Two-factor authentication is off.');
}
