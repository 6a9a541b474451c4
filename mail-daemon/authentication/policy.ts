import type { Policy } from '@/lib/policy';
import { REPLY, type Reply } from '../smtp/codes';
import type { AuthenticationResults, DmarcPolicy } from './authenticate';

// What the results mean for one message under the recipient domains' policies (authChecks,
// dmarcEnforce, spfFailAction). A message is one transaction: with several recipient domains
// the most severe outcome applies to all of them (a 550 after DATA cannot spare one recipient).

export type Outcome = { action: 'inbox' } | { action: 'junk'; reason: string } | { action: 'reject'; reply: Reply; reason: string };

const SEVERITY = { inbox: 0, junk: 1, reject: 2 } as const;

export function mostSevere(a: Outcome, b: Outcome): Outcome {
  return SEVERITY[b.action] > SEVERITY[a.action] ? b : a;
}

/**
 * RFC 7489 §6.6.4 with §6.3 pct: a failing message is subject to the published policy with
 * probability pct%; a message not selected gets the next policy down (reject → quarantine,
 * quarantine → none). `draw` is in [0, 100).
 */
export function sampledPolicy(policy: DmarcPolicy, pct: number, draw: number): DmarcPolicy {
  if (draw < pct) return policy;
  return policy === 'reject' ? 'quarantine' : 'none';
}

export function judgeAuthentication(results: AuthenticationResults, policies: Policy[], draw = Math.random() * 100): Outcome {
  let outcome: Outcome = { action: 'inbox' };
  for (const policy of policies) {
    if (!policy.authChecks) continue;
    const dmarc = results.dmarc;
    // RFC 7489 §6.6.3: the Domain Owner's policy applies to a message that fails DMARC.
    if (policy.dmarcEnforce && dmarc?.result === 'fail' && dmarc.policy && dmarc.policy !== 'none') {
      const applied = sampledPolicy(dmarc.policy, dmarc.pct, draw);
      if (applied === 'reject') outcome = mostSevere(outcome, { action: 'reject', reply: REPLY.DMARC_REJECT, reason: 'dmarc=reject' });
      else if (applied === 'quarantine') outcome = mostSevere(outcome, { action: 'junk', reason: 'dmarc=quarantine' });
    }
    // RFC 7208 §8.4 fail, unless a valid DKIM signature vouches for the message (forwarders break SPF, not DKIM).
    if (results.spf.result === 'fail' && !results.dkim.some((s) => s.result === 'pass')) {
      if (policy.spfFailAction === 'reject') outcome = mostSevere(outcome, { action: 'reject', reply: REPLY.SPF_FAIL, reason: 'spf=fail' });
      else if (policy.spfFailAction === 'junk') outcome = mostSevere(outcome, { action: 'junk', reason: 'spf=fail' });
    }
  }
  return outcome;
}
