'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { runDomainDnsCheck } from '@/lib/dal/dns';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, fromZodError, success, type FormState } from '@/lib/forms/state';

const checkSchema = z.object({ name: z.string().trim().min(1).max(300) });

/** "Check now": looks every record of the domain up and keeps the result. */
export async function checkDnsAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const parsed = checkSchema.safeParse({ name: formData.get('name') });
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const report = await runDomainDnsCheck(parsed.data.name);
    revalidatePath(`/domains/${encodeURIComponent(report.domain)}/dns`);
    revalidatePath(`/domains/${encodeURIComponent(report.domain)}`);
    revalidatePath('/domains');
    revalidatePath('/');
    return success(report.problems ? `Checked: ${report.problems} of ${report.records.length} records not right.` : `Checked: all ${report.records.length} records right.`);
  } catch (err) {
    return fromError(err);
  }
}
