import type pg from 'pg';
import type { DnsResolver } from '@/lib/dns/resolver';
import type { Logger } from '@/lib/log';
import type { Policy } from '@/lib/policy';
import type { RspamdClient, RspamdResult } from '../rspamd/types';
import type { ArrivalRecord, FilterVerdict, InboundFilter, InboundJudgement, InboundMessage } from '../smtp/backend';
import { REPLY } from '../smtp/codes';
import { checkAuthentication, dkimSummary, type AuthenticationResults } from './authenticate';
import { lookupDnsbl, DNSBL_LIMITS } from './dnsbl';
import { greylistAttempt, greylistNetwork } from './greylist';
import { removeForgedResults } from './header';
import { judgeAuthentication, mostSevere, type Outcome } from './policy';
import type { LookupLimits } from './resolver';

// The checks on arrival, in order: DNS blocklists at connect; greylisting at RCPT; at the end of
// DATA the authentication checks and the sender domain's policy, then rspamd (when configured)
// on the message with our Authentication-Results on top. The first refusal ends it.

export interface FilterDeps {
  pool: pg.Pool;
  resolver: Pick<DnsResolver, 'resolve'>;
  /** Our authserv-id (POSTERN_HOSTNAME). */
  hostname: string;
  policy(domainId?: string | null): Promise<Policy>;
  rspamd: RspamdClient | null;
  log: Logger;
  limits?: { authentication?: LookupLimits; dnsbl?: LookupLimits };
}

const CONTINUE: FilterVerdict = { action: 'continue' };

export class ArrivalFilter implements InboundFilter {
  constructor(private readonly deps: FilterDeps) {}

  async connect(clientIp: string, policy: Policy): Promise<FilterVerdict> {
    if (!policy.dnsblZones.length) return CONTINUE;
    const answers = await lookupDnsbl(this.deps.resolver, clientIp, policy.dnsblZones, this.deps.limits?.dnsbl ?? DNSBL_LIMITS);
    for (const a of answers) {
      // A list that cannot answer lets the client in: a blocklist outage must not stop all mail.
      if (a.status === 'error') this.deps.log.warn({ ip: clientIp, zone: a.zone, detail: a.detail }, 'dnsbl lookup failed');
    }
    const listed = answers.find((a) => a.status === 'listed');
    if (!listed) return CONTINUE;
    this.deps.log.info({ ip: clientIp, zone: listed.zone, code: listed.status === 'listed' ? listed.code : null }, 'smtp client on a DNS blocklist');
    return { action: 'reject', reply: REPLY.blocklisted(clientIp, listed.zone), reason: `dnsbl=${listed.zone}` };
  }

  async recipient(input: { clientIp: string; mailFrom: string; recipient: string; domainIds: string[] }): Promise<FilterVerdict> {
    const policies = await Promise.all(input.domainIds.map((id) => this.deps.policy(id)));
    const settings = policies.find((p) => p.greylisting.enabled)?.greylisting;
    if (!settings) return CONTINUE;
    const triplet = { network: greylistNetwork(input.clientIp), sender: input.mailFrom, recipient: input.recipient };
    const decision = await greylistAttempt(this.deps.pool, triplet, settings);
    if (decision.pass) return CONTINUE;
    this.deps.log.info({ ...triplet, waitSeconds: decision.waitSeconds }, 'smtp greylisted');
    return { action: 'tempfail', reply: REPLY.GREYLISTED, reason: 'greylisted' };
  }

  async message(input: InboundMessage): Promise<InboundJudgement> {
    const policies = input.domainIds.length ? await Promise.all(input.domainIds.map((id) => this.deps.policy(id))) : [await this.deps.policy()];
    // Our verdict fields are written only by us: forged ones go, and a sender's X-Spam-* when rspamd writes ours.
    const { message } = removeForgedResults(input.message, this.deps.hostname, !!this.deps.rspamd);
    let header = '';
    let auth: AuthenticationResults | null = null;
    let outcome: Outcome = { action: 'inbox' };
    if (policies.some((p) => p.authChecks)) {
      // Verified on the bytes the sender signed; the forged fields go only from what we store.
      auth = await checkAuthentication({
        message: input.message,
        ip: input.clientIp,
        helo: input.helo,
        mailFrom: input.mailFrom,
        hostname: this.deps.hostname,
        resolver: this.deps.resolver,
        limits: this.deps.limits?.authentication,
      });
      header = auth.header;
      outcome = judgeAuthentication(auth, policies);
    }
    let spam: RspamdResult | null = null;
    if (outcome.action !== 'reject' && this.deps.rspamd) {
      try {
        spam = await this.deps.rspamd.check({
          raw: Buffer.concat([Buffer.from(header), message]),
          ip: input.clientIp,
          helo: input.helo,
          from: input.mailFrom,
          rcpts: input.recipients,
          queueId: input.queueId,
          hostname: this.deps.hostname,
        });
      } catch (err) {
        // Postfix's milter_default_action=tempfail: nothing that should be judged goes through unjudged.
        this.deps.log.warn({ queueId: input.queueId, err: (err as Error).message }, 'rspamd unavailable');
        return this.judgement({ action: 'tempfail', reply: REPLY.SPAM_FILTER_UNAVAILABLE, reason: 'rspamd unavailable' }, message, header, auth, outcome, null);
      }
      header += spamHeader(spam);
      outcome = mostSevere(outcome, spamOutcome(spam));
      if (spam.action === 'soft reject' || spam.action === 'greylist') {
        return this.judgement({ action: 'tempfail', reply: REPLY.SPAM_DEFER, reason: `rspamd=${spam.action}` }, message, header, auth, outcome, spam);
      }
    }
    const verdict: FilterVerdict = outcome.action === 'reject' ? { action: 'reject', reply: outcome.reply, reason: outcome.reason } : CONTINUE;
    return this.judgement(verdict, message, header, auth, outcome, spam);
  }

  private judgement(verdict: FilterVerdict, message: Buffer, header: string, auth: AuthenticationResults | null, outcome: Outcome, spam: RspamdResult | null): InboundJudgement {
    const record: ArrivalRecord = {
      fromDomain: auth?.fromDomain ?? null,
      spf: auth?.spf.result ?? null,
      dkim: auth ? dkimSummary(auth.dkim) : null,
      dmarc: auth ? auth.dmarc?.result ?? (auth.dmarcSkipReason ? 'permerror' : 'none') : null,
      arc: auth?.arc.result ?? null,
      authResultsHeader: auth?.header.replace(/\r\n$/, '') ?? null,
      authResults: auth ? { spf: auth.spf, helo: auth.helo, dkim: auth.dkim, dmarc: auth.dmarc, arc: auth.arc, ...(auth.dmarcSkipReason ? { dmarcSkipReason: auth.dmarcSkipReason } : {}) } : null,
      disposition: outcome.action === 'junk' ? 'junk' : 'inbox',
      dispositionReason: outcome.action === 'inbox' ? null : outcome.reason,
      spam: spam ? { action: spam.action, score: spam.score, symbols: spam.symbols } : null,
    };
    return { verdict, message, header, record };
  }
}

/** rspamd's actions (https://rspamd.com/doc/configuration/metrics.html#actions) as our outcomes. */
function spamOutcome(spam: RspamdResult): Outcome {
  switch (spam.action) {
    case 'reject':
      return { action: 'reject', reply: REPLY.SPAM_REJECT, reason: 'rspamd=reject' };
    case 'add header':
    case 'rewrite subject':
      return { action: 'junk', reason: `rspamd=${spam.action}` };
    default:
      return { action: 'inbox' };
  }
}

/** SpamAssassin's field names, which mail clients' filters know. */
function spamHeader(spam: RspamdResult): string {
  const flagged = spam.action !== 'no action' && spam.action !== 'greylist';
  const score = spam.score.toFixed(2);
  return `X-Spam-Status: ${flagged ? 'Yes' : 'No'}, score=${score} required=${spam.requiredScore.toFixed(2)} action=${spam.action}\r\nX-Spam-Score: ${score}\r\n`;
}
