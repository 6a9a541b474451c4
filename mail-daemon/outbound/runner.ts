// The queue runner: claims due recipients, hands each group (one message, one destination)
// to the transport, and records what happened — sent, retried later, or returned to the
// sender with an RFC 3464 notice (and a "relayed" one for NOTIFY=SUCCESS when the next hop
// cannot report delivery itself). New mail wakes it at once (NOTIFY); a timer set to the
// next due retry wakes it otherwise.
import type { Logger } from '@/lib/log';
import type { Policy } from '@/lib/policy';
import { composeDsn, type DsnRecipient } from './dsn';
import type { ClaimedGroup, Notice, QueuedRecipient, QueueStore, RecipientUpdate } from './queue';
import { delayNoticeDue, giveUpAt, nextAttemptAt, type RetrySchedule } from './schedule';
import type { AttemptFacts, RecipientOutcome, Smarthost, TlsRequirement, Transport } from './types';
import { withoutReturnPath } from './return-path';

export interface RunnerOptions {
  queue: QueueStore;
  transport: Transport;
  /** This daemon's instance id: the lease owner. */
  owner: string;
  /** POSTERN_HOSTNAME: Reporting-MTA and the notices' From. */
  hostname: string;
  policy: () => Promise<Policy>;
  /** Opens a secret sealed at rest (the smarthost password). */
  unseal: (sealed: string) => string;
  /** Where a notice for this sender goes: local mailboxes, or remote; null drops it (unknown local sender). */
  routeNotice: (sender: string) => Promise<Pick<Notice, 'mailboxIds' | 'remote'> | null>;
  log: Logger;
  /** Groups in flight at once. */
  concurrency?: number;
  /** How long a claim lives without renewal, seconds; renewed every third of it. */
  leaseSeconds?: number;
  /** The longest sleep between two looks at the queue, ms. */
  maxSleepMs?: number;
}

const ADMIN_BOUNCE: Omit<RecipientOutcome, 'address'> = {
  outcome: 'failed', code: null, enhanced: '5.0.0', reply: 'returned to the sender by the administrator',
};

const NO_CONNECTION: AttemptFacts = {
  mxHost: null, ip: null, port: null, tlsVersion: null, tlsCipher: null, verification: 'none', mtaSts: null, durationMs: 0,
};

export class QueueRunner {
  private readonly concurrency: number;
  private readonly leaseSeconds: number;
  private readonly maxSleepMs: number;
  private inFlight = 0;
  private draining = false;
  private again = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: RunnerOptions) {
    this.concurrency = o.concurrency ?? 10;
    this.leaseSeconds = o.leaseSeconds ?? 60;
    this.maxSleepMs = o.maxSleepMs ?? 30_000;
  }

  /** Look at the queue now (new mail, a retry from the panel, a finished group). */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  /** Stops claiming, waits for groups in flight, gives back what is still leased. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
    await this.o.queue.release(this.o.owner).catch((err) => this.o.log.warn({ err }, 'could not release queue leases'));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && this.inFlight < this.concurrency) {
          const groups = await this.o.queue.claim(this.o.owner, this.concurrency - this.inFlight, this.leaseSeconds);
          if (!groups.length) break;
          for (const group of groups) this.start(group);
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.o.log.warn({ err }, 'outbound queue claim failed; trying again shortly');
    } finally {
      this.draining = false;
      await this.sleep();
    }
  }

  private start(group: ClaimedGroup): void {
    this.inFlight++;
    const run = this.run(group)
      .catch((err) => this.o.log.error({ err, queueId: group.queueId, domain: group.domain }, 'outbound attempt not recorded; the lease will expire and it is tried again'))
      .finally(() => {
        this.inFlight--;
        this.running.delete(run);
        // Refill in batches when half the slots are free: one claim for many groups, not one per group.
        if (this.inFlight <= this.concurrency / 2) this.wake();
      });
    this.running.add(run);
  }

  private async sleep(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.timer);
    let wait = this.maxSleepMs;
    try {
      const due = await this.o.queue.nextDue();
      if (due) wait = Math.max(50, Math.min(wait, due.getTime() - Date.now() + 20));
    } catch {
      wait = 1000;
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), wait);
    this.timer.unref();
  }

  private async run(group: ClaimedGroup): Promise<void> {
    const ids = group.recipients.map((r) => r.id);
    const renew = setInterval(
      () => void this.o.queue.renew(this.o.owner, ids, this.leaseSeconds).catch(() => {}),
      (this.leaseSeconds * 1000) / 3,
    );
    try {
      const policy = await this.o.policy();
      const raw = withoutReturnPath(group.raw);
      const toSend = group.recipients.filter((r) => !r.bounceRequested);
      let attempt = NO_CONNECTION;
      const outcomes = new Map<string, RecipientOutcome>();
      for (const r of group.recipients) if (r.bounceRequested) outcomes.set(r.id, { address: r.rcpt, ...ADMIN_BOUNCE });
      if (toSend.length) {
        const result = await this.o.transport.deliver({
          domain: group.domain,
          mailFrom: group.mailFrom,
          recipients: toSend.map((r) => ({ address: r.rcpt, dsn: { notify: r.dsnNotify, orcpt: r.dsnOrcpt } })),
          raw,
          ret: group.dsnRet,
          envid: group.dsnEnvid,
          tls: tlsFor(policy, group.domain),
          smarthost: this.smarthostFor(policy, group.domain),
        });
        attempt = result.attempt;
        const byAddress = new Map(result.outcomes.map((x) => [x.address.toLowerCase(), x]));
        for (const r of toSend) {
          outcomes.set(r.id, byAddress.get(r.rcpt.toLowerCase()) ?? { address: r.rcpt, outcome: 'deferred', code: null, enhanced: '4.4.0', reply: 'no result from the transport' });
        }
      }
      const now = new Date();
      const schedule = scheduleOf(policy);
      const updates = group.recipients.map((r) => updateFor(r, outcomes.get(r.id)!, group, schedule, now));
      const notice = await this.notice(group, raw, attempt, updates, schedule, now);
      const kept = await this.o.queue.finish(this.o.owner, group, attempt, updates, notice);
      if (kept.length < updates.length) this.o.log.warn({ queueId: group.queueId, lost: updates.length - kept.length }, 'queue lease lost during delivery');
      this.o.log.info(
        { queueId: group.queueId, domain: group.domain, mx: attempt.mxHost, tls: attempt.tlsVersion, verification: attempt.verification, outcomes: updates.map((u) => `${u.outcome.address} ${u.state} ${u.outcome.code ?? ''}`) },
        'outbound attempt',
      );
    } finally {
      clearInterval(renew);
    }
  }

  private smarthostFor(p: Policy, domain: string): Smarthost | null {
    const relay = p.smarthost;
    if (!relay || (relay.domains.length && !relay.domains.includes(domain))) return null;
    const password = relay.passwordSealed ? this.o.unseal(relay.passwordSealed) : undefined;
    return { host: relay.host, port: relay.port, security: relay.security, username: relay.username || undefined, password };
  }

  /**
   * One RFC 3464 report for this attempt's failed, newly delayed and relayed recipients, if
   * the sender wants it. RFC 3461 §5.2.2: a recipient with NOTIFY=SUCCESS sent to a next hop
   * that offers DSN had its NOTIFY passed on, and that hop reports; sent to one that does
   * not, it is reported here as "relayed" (RFC 3464 §2.3.3), since nobody further down will.
   */
  private async notice(
    group: ClaimedGroup,
    raw: Buffer,
    attempt: AttemptFacts,
    updates: RecipientUpdate[],
    schedule: RetrySchedule,
    now: Date,
  ): Promise<Notice | null> {
    // RFC 3461 §6.2 / RFC 5321 §4.5.5: never a notice about a notice (the null reverse-path).
    if (!group.mailFrom) return null;
    const byId = new Map(group.recipients.map((r) => [r.id, r]));
    const reported: DsnRecipient[] = [];
    for (const u of updates) {
      const r = byId.get(u.id)!;
      const failed = u.state === 'bounced';
      const delayed = u.state === 'deferred' && u.delayNotified && !r.delayNotified;
      const relayed = u.state === 'sent' && attempt.nextHopDsn === false;
      if (!(failed && wants(r, 'FAILURE')) && !(delayed && wants(r, 'DELAY')) && !(relayed && wants(r, 'SUCCESS'))) continue;
      reported.push({
        address: r.rcpt,
        orcpt: r.dsnOrcpt,
        action: failed ? 'failed' : delayed ? 'delayed' : 'relayed',
        status: u.outcome.enhanced,
        // The reply as the remote server gave it, without its code (the report writes "smtp; <code> <text>").
        diagnostic: u.outcome.code ? { code: u.outcome.code, text: (remoteReplyOf(u) ?? u.outcome.reply).replace(/^\d{3}[ -]/, '') } : null,
        remoteMta: attempt.mxHost,
        lastAttempt: now,
        willRetryUntil: u.state === 'deferred' ? giveUpAt(schedule, group.createdAt) : null,
        // No reply to quote (DNS, connection, TLS policy): our own reason goes in the human text.
        explanation: u.outcome.code ? null : u.outcome.reply,
      });
    }
    if (!reported.length) return null;
    const route = await this.o.routeNotice(group.mailFrom);
    if (!route) {
      this.o.log.warn({ queueId: group.queueId, sender: group.mailFrom }, 'delivery notice dropped: the local sender no longer exists');
      return null;
    }
    const dsn = composeDsn({
      kind: reported.some((r) => r.action === 'failed') ? 'failure' : reported.some((r) => r.action === 'delayed') ? 'delay' : 'success',
      reportingMta: this.o.hostname,
      from: `MAILER-DAEMON@${this.o.hostname}`,
      to: group.mailFrom,
      arrivalDate: group.createdAt,
      envid: group.dsnEnvid,
      recipients: reported,
      original: raw,
      ret: group.dsnRet ?? 'FULL',
      date: now,
    });
    return { raw: dsn, ...route };
  }
}

/** RFC 3461 §4.1: with no NOTIFY, failures are reported and delays at our discretion (we do); never successes. */
function wants(r: QueuedRecipient, condition: 'FAILURE' | 'DELAY' | 'SUCCESS'): boolean {
  if (!r.dsnNotify) return condition !== 'SUCCESS';
  return r.dsnNotify.map((n) => n.toUpperCase()).includes(condition);
}

const remoteReplyOf = (u: RecipientUpdate) => (u.state === 'bounced' ? u.remoteReply : undefined);

function scheduleOf(p: Policy): RetrySchedule {
  return { baseSeconds: p.retryBaseSeconds, maxSeconds: p.retryMaxSeconds, lifetimeHours: p.queueLifetimeHours, delayWarningHours: p.delayWarningHours };
}

/** The destination's own TLS rule, else the global outbound setting. */
export function tlsFor(p: Policy, domain: string): TlsRequirement {
  return p.outboundTlsRules.find((r) => r.domain === domain)?.tls ?? p.outboundTls;
}

function updateFor(r: QueuedRecipient, outcome: RecipientOutcome, group: ClaimedGroup, schedule: RetrySchedule, now: Date): RecipientUpdate {
  if (outcome.outcome === 'sent') return { id: r.id, state: 'sent', outcome };
  if (outcome.outcome === 'failed') return { id: r.id, state: 'bounced', outcome };
  const next = nextAttemptAt(schedule, group.createdAt, r.attempts + 1, now);
  if (!next) {
    // RFC 3463 X.4.7: delivery time expired; the last reply stays the diagnostic.
    const hours = `${schedule.lifetimeHours} hour${schedule.lifetimeHours === 1 ? '' : 's'}`;
    return {
      id: r.id, state: 'bounced', ...(outcome.code ? { remoteReply: outcome.reply } : {}),
      outcome: { ...outcome, outcome: 'failed', enhanced: '4.4.7', reply: `gave up after ${hours} in the queue: ${outcome.reply}` },
    };
  }
  const notify = delayNoticeDue(schedule, group.createdAt, r.delayNotified, now);
  return { id: r.id, state: 'deferred', outcome, nextAttemptAt: next, delayNotified: r.delayNotified || notify };
}
