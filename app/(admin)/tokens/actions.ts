'use server';

import { revalidatePath } from 'next/cache';
import { createToken, revokeToken } from '@/lib/api-tokens';
import { db } from '@/lib/dal/db';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { echo, fromError, success, type FormState } from '@/lib/forms/state';

export interface CreatedToken {
  name: string;
  token: string;
}

/** The service validates (lib/api-tokens/validations.ts); its field errors land on the form. */
export async function createTokenAction(_prev: FormState<CreatedToken>, formData: FormData): Promise<FormState<CreatedToken>> {
  const actor = await requireGlobalAdmin();
  try {
    const { token, info } = await createToken(db(), actor, {
      name: String(formData.get('name') ?? ''),
      scope: String(formData.get('scope') ?? '') as 'read',
      domains: formData.getAll('domains').map(String),
      expiresInDays: String(formData.get('expiresInDays') ?? ''),
    });
    revalidatePath('/tokens');
    return success(`Token ${info.name} created. Copy it now: it is not shown again.`, { name: info.name, token });
  } catch (err) {
    return { ...fromError(err), values: echo(formData) };
  }
}

export async function revokeTokenAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireGlobalAdmin();
  try {
    const t = await revokeToken(db(), actor, { name: String(formData.get('name') ?? '') });
    revalidatePath('/tokens');
    return success(`Token ${t.name} revoked.`);
  } catch (err) {
    return fromError(err);
  }
}
