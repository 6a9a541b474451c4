import type pg from 'pg';
import { verifyMailboxLogin } from '@/lib/auth/mailbox-login';
import type { Db } from '@/lib/db/prisma';
import { ownsAddress, resolveRecipient } from '@/lib/directory';
import { recordClientTls } from '@/lib/tls-stats/record';
import type { AcceptInput, AuthResult, AuthUser, RecipientLookup, SendUsage, SmtpBackend } from '../smtp/backend';
import type { TlsFacts } from '../smtp/received';
import type { PolicyCache } from '../services/policy-cache';
import type { Srs } from '../outbound/srs';
import type { DkimSigning } from '../dkim/signing';
import { createLogger } from '@/lib/log';
import { acceptMessage } from './accept';
import { noteSendLimit, sendUsage } from './send-limits';
import { sendVacationReplies, type ReplyRoute } from './vacation';
import { countLogin } from '@/lib/metrics/count-login';

const vacationLog = createLogger('vacation');

/** SmtpBackend on Postgres: lib/directory for recipients (one raw statement on the pool at RCPT, never the ORM), lib/auth for AUTH, the mail store for delivery. */
export class PostgresSmtpBackend implements SmtpBackend {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly policies: PolicyCache,
    /** Sender rewriting for forwarded mail, and the reverse for bounces to rewritten addresses. */
    private readonly srs: Srs | null = null,
    /** DKIM signing of submissions and off-site forwards, before they are stored and queued. */
    private readonly dkim: DkimSigning | null = null,
  ) {}

  policy(domainId?: string | null) {
    return this.policies.get(domainId);
  }

  async authenticate(input: { username: string; password: string; ip: string; tls?: TlsFacts | null }): Promise<AuthResult> {
    const r = await verifyMailboxLogin(this.db, { address: input.username, password: input.password, ip: input.ip, service: 'smtp' }, { policy: this.policies });
    countLogin('smtp', r);
    if (r.ok) {
      // TLS statistics (tls_client_logins): which TLS this mailbox's submission client used; never fails the login.
      await recordClientTls(this.pool, {
        mailboxId: r.mailbox.id,
        service: 'submission',
        tlsVersion: input.tls?.version ?? null,
        cipher: input.tls?.cipher ?? null,
        clientIp: input.ip,
      }).catch(() => {});
    }
    return r.ok ? { ok: true, user: { mailboxId: r.mailbox.id, address: r.mailbox.address, domainId: r.mailbox.domainId, appPasswordId: r.appPasswordId } } : r;
  }

  ownsAddress(user: AuthUser, address: string): Promise<boolean> {
    return ownsAddress(this.db, user, address, this.delimiterFor);
  }

  async lookupRecipient(address: string, sizeHint: number | null): Promise<RecipientLookup> {
    if (this.srs?.isSrs(address)) return this.srsBounce(address, sizeHint);
    const r = await resolveRecipient(this.pool, address, this.delimiterFor, {
      messageBytes: sizeHint ?? 0,
      forwardingAllowed: async (domainId) => (await this.policies.get(domainId)).allowForwarding,
    });
    switch (r.status) {
      case 'ok':
        return { kind: 'local', mailboxes: r.mailboxes.map((m) => ({ id: m.id, domainId: m.domainId, away: m.away })), forwards: r.remote };
      case 'not_local':
        return { kind: 'remote' };
      default:
        return { kind: r.status };
    }
  }

  sendUsage(user: AuthUser): Promise<SendUsage> {
    return sendUsage(this.pool, user);
  }

  sendLimitReached(user: AuthUser, limit: 'messages_per_hour' | 'recipients_per_day', value: number): Promise<void> {
    return noteSendLimit(this.db, user, limit, value);
  }

  async accept(input: AcceptInput): Promise<void> {
    const raw = this.dkim ? await this.dkim.sign(input) : input.raw;
    const header = await acceptMessage(this.pool, { ...input, raw }, this.srs);
    // Auto-replies after the commit, before the 250 (no statement when nobody is away): a failure
    // is logged, never the sender's problem — the message is delivered either way.
    const disposition = input.arrival?.disposition === 'junk' ? 'junk' : 'inbox';
    const sign = this.dkim ? (reply: Buffer, domainId: string) => this.dkim!.signFor(reply, domainId, input.queueId) : undefined;
    const mailboxIds = input.away ?? input.mailboxIds;
    await sendVacationReplies(this.pool, { queueId: input.queueId, mailFrom: input.mailFrom, mailboxIds, header, disposition }, this.replyRoute, sign).catch(
      (err) => vacationLog.warn({ err: (err as Error).message, queueId: input.queueId }, 'vacation reply not sent'),
    );
  }

  /** An auto-reply to a local sender goes into its mailbox, to anyone else through the queue; an unknown local address gets none. */
  private readonly replyRoute: ReplyRoute = async (address) => {
    const r = await resolveRecipient(this.pool, address, this.delimiterFor);
    if (r.status === 'not_local') return 'remote';
    return r.status === 'ok' && r.mailboxes.length ? r.mailboxes.map((m) => m.id) : null;
  };

  /**
   * A bounce to an address we rewrote with SRS goes to the original sender: into its INBOX
   * when it is ours, else back out. A forged or expired address is unknown (550 5.1.1), so
   * nobody can use us to relay mail by minting SRS addresses.
   */
  private async srsBounce(address: string, sizeHint: number | null): Promise<RecipientLookup> {
    const original = this.srs!.reverse(address);
    if (!original) return { kind: 'unknown' };
    const local = await this.lookupRecipient(original, sizeHint);
    return local.kind === 'remote' ? { kind: 'local', mailboxes: [], forwards: [original] } : local;
  }

  /** The subaddress delimiter (RFC 5233) of a domain's policy; "" when subaddressing is off. */
  private readonly delimiterFor = async (domainId: string) => (await this.policies.get(domainId)).recipientDelimiter;
}
