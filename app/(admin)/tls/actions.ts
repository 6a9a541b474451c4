'use server';

import { requireAdmin } from '@/lib/dal/session';
import { isServiceError } from '@/lib/errors';
import type { PublicHop } from '@/lib/received';
import { analyzePasted } from '@/lib/tls-stats/panel';

export interface AnalyzeState {
  headers: string;
  hops: PublicHop[] | null;
  error: string | null;
}

/** The header analyzer's form action: an admin pastes headers, gets the hop chain. */
export async function analyzeAction(_prev: AnalyzeState, form: FormData): Promise<AnalyzeState> {
  await requireAdmin();
  const headers = String(form.get('headers') ?? '');
  try {
    const { hops } = analyzePasted(headers);
    return { headers, hops, error: hops.length === 0 ? 'No Received header found in what was pasted.' : null };
  } catch (err) {
    if (isServiceError(err)) return { headers: headers.slice(0, 10_000), hops: null, error: err.message };
    throw err;
  }
}
