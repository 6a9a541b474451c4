'use server';

import { requireAdmin } from '@/lib/dal/session';
import { isServiceError } from '@/lib/errors';
import type { AuthenticationAnalysis } from '@/lib/auth-results';
import type { PublicHop } from '@/lib/received';
import { analyzePasted } from '@/lib/tls-stats/panel';

export interface AnalyzeState {
  headers: string;
  hops: PublicHop[] | null;
  authentication: AuthenticationAnalysis | null;
  error: string | null;
}

/** The header analyzer's form action: an admin pastes headers, gets the hop chain and the authentication results. */
export async function analyzeAction(_prev: AnalyzeState, form: FormData): Promise<AnalyzeState> {
  await requireAdmin();
  const headers = String(form.get('headers') ?? '');
  try {
    const { hops, authentication } = analyzePasted(headers);
    const empty = hops.length === 0 && authentication.results.length === 0 && authentication.arc.sets.length === 0;
    return { headers, hops, authentication, error: empty ? 'No Received, Authentication-Results or ARC header found in what was pasted.' : null };
  } catch (err) {
    if (isServiceError(err)) return { headers: headers.slice(0, 10_000), hops: null, authentication: null, error: err.message };
    throw err;
  }
}
