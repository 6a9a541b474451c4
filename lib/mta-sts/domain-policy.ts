import type { Policy } from '@/lib/policy/schema';
import { mtaStsPolicyText } from './policy';

/**
 * The MTA-STS policy text a domain publishes (RFC 8461 §3.2), or null when its policy says
 * mode "none" and nothing is published. The MX is the one name the daemon answers as
 * (POSTERN_HOSTNAME). The policy host (/.well-known/mta-sts.txt) and the `_mta-sts` TXT
 * record's id (mtaStsRecordValue) must both start from this text, so the id changes exactly
 * when the served policy does.
 */
export function domainMtaStsPolicy(mtaSts: Policy['mtaSts'], mxHost: string): string | null {
  if (mtaSts.mode === 'none') return null;
  return mtaStsPolicyText({ mode: mtaSts.mode, mx: [mxHost], maxAgeSeconds: mtaSts.maxAgeSeconds });
}
