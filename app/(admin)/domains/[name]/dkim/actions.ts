'use server';

import { revalidatePath } from 'next/cache';
import type { z } from 'zod';
import { db } from '@/lib/dal/db';
import { requireAdmin, type AdminActor } from '@/lib/dal/session';
import { activateDkimKey, checkDkimDns, dkimKeyRefSchema, generateDkimKey, generateDkimKeySchema, retireDkimKey } from '@/lib/dkim';
import { echo, fromError, fromZodError, success, type FormState } from '@/lib/forms/state';

// Thin Server Actions: requireAdmin() → zod (the service's own schema) → lib/dkim (which
// enforces the domain scope again) → revalidatePath.

const text = (f: FormData, k: string) => {
  const v = f.get(k);
  return typeof v === 'string' ? v : '';
};

async function act<S extends z.ZodType>(f: FormData, schema: S, input: unknown, work: (admin: AdminActor, data: z.output<S>) => Promise<FormState>): Promise<FormState> {
  const admin = await requireAdmin();
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ...fromZodError(parsed.error), values: echo(f) };
  try {
    const state = await work(admin, parsed.data);
    revalidatePath(`/domains/${text(f, 'domain')}/dkim`);
    return state;
  } catch (err) {
    return { ...fromError(err), values: echo(f) };
  }
}

const ref = (f: FormData) => ({ domain: text(f, 'domain'), selector: text(f, 'selector') });

export async function generateDkimKeyAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, generateDkimKeySchema, { domain: text(f, 'domain'), type: text(f, 'type') || undefined, selector: text(f, 'selector') }, async (admin, input) => {
    const key = await generateDkimKey(db(), admin, input);
    return success(`Generated the ${key.algorithm === 'rsa' ? 'RSA-2048' : 'Ed25519'} key ${key.selector}. Publish its record, then check DNS and activate it.`);
  });
}

export async function checkDkimDnsAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, dkimKeyRefSchema, ref(f), async (admin, input) => {
    const r = await checkDkimDns(db(), admin, input);
    const text = {
      found: `The record of ${r.key.selector} is published: the key can be activated.`,
      different: `A different record is published at ${r.key.record.name}: replace it with the value shown.`,
      missing: `No record at ${r.key.record.name} yet (a new record can take a while to be seen).`,
      failed: `The lookup failed (${r.error}): try again in a moment.`,
    }[r.status];
    return r.status === 'found' ? success(text) : { ok: false, message: text };
  });
}

export async function activateDkimKeyAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, dkimKeyRefSchema, ref(f), async (admin, input) => {
    const r = await activateDkimKey(db(), admin, input);
    return success(`${r.key.selector} signs the domain's mail from now on.${r.replaced ? ` ${r.replaced.selector} is retiring: keep its record published until ${r.replaced.retireAfter.toISOString().slice(0, 10)}.` : ''}`);
  });
}

export async function retireDkimKeyAction(_prev: FormState, f: FormData): Promise<FormState> {
  return act(f, dkimKeyRefSchema, ref(f), async (admin, input) => {
    const r = await retireDkimKey(db(), admin, input);
    return success(r.unsigned ? `Retired ${r.selector}: the domain's mail leaves unsigned until another key is activated.` : `Retired ${r.selector}: its record may be removed.`);
  });
}
