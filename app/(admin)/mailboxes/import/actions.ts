'use server';

import { revalidatePath } from 'next/cache';
import { formatBytes } from '@/components/ui/format';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';
import { fromError, success, type FormState } from '@/lib/forms/state';
import { importMailboxes, type ImportResult } from '@/lib/mailboxes';
import { MAX_CSV_BYTES, type Imported, type Preview } from './types';

function toPreview(result: ImportResult, csv: string): Preview {
  const rows = result.rows.map((r) => ({
    line: r.line,
    address: r.address,
    name: r.name,
    quota: r.quotaBytes === null ? '—' : r.quotaBytes === 0 ? 'unlimited' : formatBytes(r.quotaBytes),
    password: r.passwordGiven ? ('given' as const) : ('generated' as const),
    problems: r.errors.map((e) => (e.field === 'row' || e.field === 'address' ? e.message : `${e.field}: ${e.message}`)),
  }));
  const invalid = rows.filter((r) => r.problems.length).length;
  return { rows, valid: rows.length - invalid, invalid, csv };
}

async function readCsv(formData: FormData): Promise<string | FormState<never>> {
  const file = formData.get('file');
  const text = formData.get('text');
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_CSV_BYTES) return { ok: false, message: 'The file is too large.', fieldErrors: { file: `at most ${formatBytes(MAX_CSV_BYTES)}; split it into several imports` } };
    return (await file.text()).replace(/^\uFEFF/, '');
  }
  if (typeof text === 'string' && text.trim()) {
    if (text.length > MAX_CSV_BYTES) return { ok: false, message: 'The text is too long.', fieldErrors: { file: `at most ${formatBytes(MAX_CSV_BYTES)}` } };
    return text;
  }
  return { ok: false, message: 'Choose a CSV file.', fieldErrors: { file: 'choose a CSV file or paste its text' } };
}

/** Step 1: every row checked with the same rules as a single mailbox; nothing is written. */
export async function dryRunAction(_prev: FormState<Preview>, formData: FormData): Promise<FormState<Preview>> {
  const actor = await requireAdmin();
  const csv = await readCsv(formData);
  if (typeof csv !== 'string') return csv;
  try {
    const result = await importMailboxes(db(), actor, { csv, dryRun: true });
    const preview = toPreview(result, csv);
    return success(result.ok ? `All ${preview.valid} rows can be imported.` : `${preview.invalid} of ${preview.rows.length} rows have problems.`, preview);
  } catch (err) {
    const state = fromError(err);
    // File-level problems (empty, too many rows) belong to the file field.
    return state.fieldErrors ? state : { ...state, fieldErrors: { file: state.message ?? 'cannot read the file' } };
  }
}

/** Step 2: the checked text again, all or nothing. Generated passwords go to the browser once. */
export async function importAction(_prev: FormState<Imported>, formData: FormData): Promise<FormState<Imported>> {
  const actor = await requireAdmin();
  const csv = formData.get('csv');
  if (typeof csv !== 'string' || !csv.trim() || csv.length > MAX_CSV_BYTES) return { ok: false, message: 'Nothing to import: check a file first.' };
  try {
    const result = await importMailboxes(db(), actor, { csv, dryRun: false });
    if (!result.ok) {
      const bad = result.rows.filter((r) => r.errors.length).length;
      return { ok: false, message: `Nothing was imported: ${bad} row${bad === 1 ? ' has' : 's have'} problems now (something changed since the check). Check the file again.` };
    }
    revalidatePath('/mailboxes');
    revalidatePath('/');
    return success(`${result.created} mailbox${result.created === 1 ? ' was' : 'es were'} created.`, {
      created: result.rows.map((r) => ({ address: r.address, password: r.generatedPassword ?? null })),
    });
  } catch (err) {
    return fromError(err);
  }
}
