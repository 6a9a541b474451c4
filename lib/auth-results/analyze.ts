import { headerFields, type ParsedHeader } from '@/lib/received';
import { arcChainOf, MAX_ARC_INSTANCE } from './arc';
import { parseAuthenticationResults } from './parse';
import type { AuthenticationAnalysis } from './types';

/** More Authentication-Results fields than this is not a real message; the rest are not read. */
const MAX_AUTH_RESULTS_FIELDS = 100;

/**
 * The Authentication-Results fields (topmost first: the newest, normally ours) and the ARC sets
 * of a message or pasted headers: what each writer says it checked, and the ARC chain's structure.
 */
export function analyzeAuthentication(input: string | Buffer | ParsedHeader): AuthenticationAnalysis {
  const results: string[] = [];
  const arc = { authenticationResults: [] as string[], messageSignatures: [] as string[], seals: [] as string[] };
  const arcLimit = MAX_ARC_INSTANCE * 2;
  for (const [name, value] of headerFields(input)) {
    const key = name.toLowerCase();
    if (key === 'authentication-results' && results.length < MAX_AUTH_RESULTS_FIELDS) results.push(value);
    else if (key === 'arc-authentication-results' && arc.authenticationResults.length < arcLimit) arc.authenticationResults.push(value);
    else if (key === 'arc-message-signature' && arc.messageSignatures.length < arcLimit) arc.messageSignatures.push(value);
    else if (key === 'arc-seal' && arc.seals.length < arcLimit) arc.seals.push(value);
  }
  return { results: results.map(parseAuthenticationResults), arc: arcChainOf(arc) };
}
