'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/lib/dal/db';
import { requireMailUser } from '@/lib/dal/mail-user';
import { panelSecrets } from '@/lib/dal/secrets';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';
import { beginMailboxTotp, confirmMailboxTotp, disableMailboxTotp } from '@/lib/self-service';
import { MAX_PASSWORD_LENGTH } from '@/lib/validations/password';

// Two-factor authentication for the self-service sign-in: requireMailUser() → zod → lib/self-service/totp.ts.

export async function beginTotpAction(_prev: FormState, _fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  try {
    await beginMailboxTotp(db(), user, { masterKey: panelSecrets().masterKey });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/account/security');
  return success('Scan the code with your authenticator app, then enter the code it shows.');
}

export async function confirmTotpAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'the 6 digits your app shows') }).safeParse({ code: fd.get('code') ?? '' });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await confirmMailboxTotp(db(), user, { masterKey: panelSecrets().masterKey, code: parsed.data.code });
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/account/security');
  return success('Two-factor authentication is on. Signing in here now asks for a code.');
}

export async function disableTotpAction(_prev: FormState, fd: FormData): Promise<FormState> {
  const user = await requireMailUser();
  const parsed = z.object({ password: z.string().min(1, 'enter your password').max(MAX_PASSWORD_LENGTH) }).safeParse({ password: fd.get('password') ?? '' });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await disableMailboxTotp(db(), user, parsed.data);
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/account/security');
  return success('Two-factor authentication is off.');
}
