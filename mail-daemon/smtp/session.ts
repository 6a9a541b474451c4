// Over 300 lines: one class, the SMTP transaction from MAIL to the committed message.
import type { Readable } from 'node:stream';
import type { Logger } from '@/lib/log';
import type { Policy } from '@/lib/policy';
import type { AuthUser, EnvelopeDsn, InboundFilter, InboundJudgement, ListenerKind, LocalMailbox, SmtpBackend } from './backend';
import { dataChecks, inNetworks, mailChecks, rcptChecks, runChecks, type CheckSession, type MailContext, type SendingBudget, type Verdict } from './checks';
import { REPLY, type Reply } from './codes';
import { readMessage } from './data';
import { newQueueId } from './queue-id';
import { protocolKeyword, receivedHeader, returnPathHeader, type TlsFacts } from './received';
import { DAEMON_METRICS, processMetrics } from '@/lib/metrics/process-metrics';
import type { ReverseName } from '../net/reverse-dns';

export interface SessionDeps {
  backend: SmtpBackend;
  hostname: string;
  log: Logger;
  /** The checks on arrival (MX port); null or absent: none configured. */
  filter?: InboundFilter | null;
}

export interface ConnectionInfo {
  id: string;
  listener: ListenerKind;
  clientIp: string;
  clientPort: number;
}

interface AcceptedRecipient {
  address: string;
  /** Local mailboxes it resolved to (with their domains, for per-domain size limits). */
  mailboxes: LocalMailbox[];
  /** Where it goes off this server: itself when relayed, or an alias's remote destinations. */
  remote: string[];
  /** RFC 3461 NOTIFY and ORCPT as given. */
  dsn: RecipientDsn;
}

/** RFC 3461 parameters of one RCPT command. */
export interface RecipientDsn {
  notify: string[] | null;
  orcpt: string | null;
}

/** RFC 3461 parameters of the MAIL command. */
export interface MailDsn {
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
}

/** Other MAIL parameters the adapter parsed. */
export interface MailParams {
  /** RFC 6531: SMTPUTF8 was given (smtp-server: session.envelope.smtpUtf8). Not given: false. */
  smtpUtf8: boolean;
}

type Outcome = { ok: true; reply?: undefined } | { ok: false; reply: Reply };

const ok: Outcome = { ok: true };
const fail = (reply: Reply): { ok: false; reply: Reply } => ({ ok: false, reply });
const fromVerdict = (v: Verdict): Outcome => (v.action === 'tempfail' || v.action === 'reject' ? fail(v.reply) : ok);

/**
 * Postern's narrow SMTP session: what the protocol adapter (server.ts) calls once
 * smtp-server has parsed a command. One per connection. Knows nothing of sockets;
 * talks to the Postgres side only through SmtpBackend.
 */
export class SmtpSession implements CheckSession {
  policy!: Policy;
  /** The client is in the policy snapshot's relay networks (ours): decided once, at open(). */
  relayClient = false;
  user: AuthUser | null = null;
  tls: TlsFacts | null = null;
  /** The client's reverse DNS name, looked up beside the session since the connection began; null: none. */
  reverseName: ReverseName | null = null;
  helo = '';
  ehlo = true;

  private mailFrom: string | null = null;
  private sizeHint: number | null = null;
  private mailDsn: MailDsn = { ret: null, envid: null };
  private smtpUtf8 = false;
  private sending: SendingBudget | null = null;
  private recipients: AcceptedRecipient[] = [];
  private readonly started = Date.now();
  private readonly stats = { messages: 0, rejected: 0, authFailures: 0 };
  private lastError: string | null = null;

  constructor(
    private readonly deps: SessionDeps,
    readonly info: ConnectionInfo,
  ) {}

  get listener(): ListenerKind {
    return this.info.listener;
  }
  get clientIp(): string {
    return this.info.clientIp;
  }
  get backend(): SmtpBackend {
    return this.deps.backend;
  }
  get authFailures(): number {
    return this.stats.authFailures;
  }
  /** Mail from strangers on the MX port is judged; authenticated sessions and the relay networks are not. */
  get filter(): InboundFilter | null {
    if (this.listener !== 'mx' || this.user || this.relayClient) return null;
    return this.deps.filter ?? null;
  }

  /** Takes the policy snapshot this session runs under. */
  async open(): Promise<void> {
    this.policy = await this.deps.backend.policy();
    this.relayClient = inNetworks(this.clientIp, this.policy.relayNetworks);
  }

  secured(facts: TlsFacts): void {
    this.tls = facts;
    // RFC 3207 §4.2: forget everything learnt before the handshake.
    this.user = null;
    this.reset();
  }

  greeted(helo: string, ehlo: boolean): void {
    this.helo = helo;
    this.ehlo = ehlo;
    this.reset();
  }

  async auth(username: string, password: string, authzid = ''): Promise<Outcome> {
    if (authzid && authzid !== username) {
      this.stats.authFailures++;
      return fail(REPLY.AUTH_INVALID); // no proxy authorisation
    }
    const result = await this.deps.backend.authenticate({ username, password, ip: this.clientIp, tls: this.tls });
    if (result.ok) {
      this.user = result.user;
      this.deps.log.info({ session: this.info.id, ip: this.clientIp, user: result.user.address }, 'smtp auth ok');
      return { ok: true };
    }
    this.stats.authFailures++;
    this.deps.log.warn({ session: this.info.id, ip: this.clientIp, user: username.slice(0, 320), reason: result.reason }, 'smtp auth failed');
    return fail(result.reason === 'throttled' ? REPLY.AUTH_TEMPFAIL : REPLY.AUTH_INVALID);
  }

  async mail(address: string, sizeHint: number | null, dsn: MailDsn = { ret: null, envid: null }, params: MailParams = { smtpUtf8: false }): Promise<Outcome> {
    const context: MailContext = { session: this, address, smtpUtf8: params.smtpUtf8 };
    const { verdict } = await runChecks(mailChecks, context);
    const outcome = fromVerdict(verdict);
    if (outcome.ok) {
      this.mailFrom = address;
      this.sending = context.sending ?? null;
      this.sizeHint = sizeHint;
      this.mailDsn = dsn;
      this.smtpUtf8 = params.smtpUtf8;
      this.recipients = [];
    }
    return this.note(outcome);
  }

  async rcpt(address: string, dsn: RecipientDsn = { notify: null, orcpt: null }): Promise<Outcome> {
    const key = address.toLowerCase();
    if (this.recipients.some((r) => r.address.toLowerCase() === key)) return ok; // a repeated RCPT (smtp-server keeps one)
    let lookup: ReturnType<SmtpBackend['lookupRecipient']> | undefined;
    const context = {
      session: this,
      address,
      mailFrom: this.mailFrom ?? '',
      smtpUtf8: this.smtpUtf8,
      accepted: this.recipients.length,
      sizeHint: this.sizeHint,
      sending: this.sending,
      lookup: () => (lookup ??= this.deps.backend.lookupRecipient(address, this.sizeHint)),
    };
    const { verdict } = await runChecks(rcptChecks, context);
    const outcome = fromVerdict(verdict);
    if (outcome.ok) {
      const found = lookup ? await lookup : null;
      this.recipients.push(
        found?.kind === 'local'
          ? { address, mailboxes: found.mailboxes, remote: found.forwards, dsn }
          : { address, mailboxes: [], remote: [address], dsn },
      );
    }
    return this.note(outcome);
  }

  /** Reads the message, enforces size and line endings, and commits it. Resolves with the reply. */
  async data(stream: Readable & { sizeExceeded?: boolean }): Promise<{ ok: true; queueId: string } | { ok: false; reply: Reply }> {
    const queueId = newQueueId();
    const read = await readMessage(stream, this.policy.maxMessageBytes);
    const envelope: Record<string, unknown> & { rcpts: string[] } = { queueId, from: this.mailFrom ?? '', rcpts: this.recipients.map((r) => r.address), size: read.ok ? read.body.length : null };
    const finish = (reply: Reply | null, extra: Record<string, unknown> = {}) => {
      this.deps.log.info(
        { session: this.info.id, ip: this.clientIp, listener: this.listener, user: this.user?.address ?? null,
          tls: this.tls ? `${this.tls.version} ${this.tls.cipher}` : null, ...envelope, result: reply ? `${reply.code} ${reply.enhanced}` : '250 2.6.0', ...extra },
        'smtp message',
      );
    };
    if (!read.ok) {
      const reply = read.problem === 'too_big' ? REPLY.MESSAGE_TOO_BIG : read.problem === 'nul' ? REPLY.NUL_IN_DATA : REPLY.BARE_LINE_ENDING;
      finish(reply);
      this.stats.rejected++;
      return fail(reply);
    }
    // A recipient domain may have a smaller limit than the global one.
    for (const domainId of new Set(this.recipients.flatMap((r) => r.mailboxes.map((m) => m.domainId)))) {
      let limit: number;
      try {
        limit = (await this.deps.backend.policy(domainId)).maxMessageBytes;
      } catch (err) {
        finish(REPLY.LOCAL_ERROR, { err: (err as Error).message });
        return fail(REPLY.LOCAL_ERROR);
      }
      if (read.body.length > limit) {
        finish(REPLY.MESSAGE_TOO_BIG);
        this.stats.rejected++;
        return fail(REPLY.MESSAGE_TOO_BIG);
      }
    }
    let checked: Verdict;
    try {
      checked = (await runChecks(dataChecks, { session: this, body: read.body })).verdict;
    } catch (err) {
      finish(REPLY.LOCAL_ERROR, { err: (err as Error).message });
      return fail(REPLY.LOCAL_ERROR);
    }
    const refused = fromVerdict(checked);
    if (!refused.ok) {
      finish(refused.reply);
      this.stats.rejected++;
      return this.note(refused) as { ok: false; reply: Reply };
    }
    const mailboxIds = [...new Set(this.recipients.flatMap((r) => r.mailboxes.map((m) => m.id)))];
    const away = [...new Set(this.recipients.flatMap((r) => r.mailboxes.filter((m) => m.away).map((m) => m.id)))];
    // Usually settled long since; otherwise bounded by the lookup's timeout from the connection's start.
    const clientName = this.reverseName ? (this.reverseName.known !== undefined ? this.reverseName.known : await this.reverseName.ready) : null;
    // The checks on arrival: the message to store (forged fields removed), our fields for its top, the receipt's record.
    let judged: InboundJudgement | null = null;
    const filter = this.filter;
    if (filter) {
      try {
        judged = await filter.message({
          queueId,
          message: read.body,
          clientIp: this.clientIp,
          clientName,
          helo: this.helo,
          mailFrom: this.mailFrom ?? '',
          recipients: envelope.rcpts,
          domainIds: [...new Set(this.recipients.flatMap((r) => r.mailboxes.map((m) => m.domainId)))],
        });
      } catch (err) {
        finish(REPLY.LOCAL_ERROR, { err: (err as Error).message });
        return fail(REPLY.LOCAL_ERROR);
      }
      const { record: r, verdict } = judged;
      envelope.checks = { spf: r.spf, dkim: r.dkim, dmarc: r.dmarc, arc: r.arc, disposition: r.disposition, why: verdict.action === 'continue' ? r.dispositionReason : verdict.reason, spam: r.spam?.score ?? null };
      if (verdict.action !== 'continue') {
        finish(verdict.reply);
        this.stats.rejected++;
        return this.note(fail(verdict.reply)) as { ok: false; reply: Reply };
      }
    }
    const receivedAt = new Date();
    const protocol = protocolKeyword({ ehlo: this.ehlo, tls: !!this.tls, authenticated: !!this.user });
    // RFC 8601 §5: Authentication-Results above the trace fields it describes, next to our Received.
    const header =
      returnPathHeader(this.mailFrom ?? '') +
      (judged?.header ?? '') +
      receivedHeader({
        helo: this.helo,
        reverseName: clientName,
        ip: this.clientIp,
        hostname: this.deps.hostname,
        protocol,
        queueId,
        recipients: envelope.rcpts,
        tls: this.tls,
        date: receivedAt,
      });
    const remoteRecipients = [...new Set(this.recipients.flatMap((r) => r.remote))];
    const forwarded = [...new Set(this.recipients.flatMap((r) => r.remote.filter((x) => x !== r.address)))];
    try {
      await this.deps.backend.accept({
        queueId,
        raw: Buffer.concat([Buffer.from(header, 'utf8'), judged?.message ?? read.body]),
        listener: this.listener,
        clientIp: this.clientIp,
        clientName,
        helo: this.helo,
        mailFrom: this.mailFrom ?? '',
        recipients: envelope.rcpts,
        mailboxIds,
        away,
        remoteRecipients,
        forwarded,
        dsn: this.envelopeDsn(),
        authUser: this.user,
        protocol,
        tls: this.tls,
        receivedAt,
        ...(judged ? { arrival: judged.record } : {}),
      });
    } catch (err) {
      // Nothing half-written: accept() is one transaction. The client retries later.
      finish(REPLY.LOCAL_ERROR, { err: (err as Error).message });
      this.stats.rejected++;
      return fail(REPLY.LOCAL_ERROR);
    }
    finish(null, { protocol });
    this.stats.messages++;
    return { ok: true, queueId };
  }

  /**
   * RFC 3461 §6.2.7: a relayed recipient keeps its own NOTIFY and ORCPT; an alias's remote
   * destinations inherit them, with the address the client gave as the original recipient.
   */
  private envelopeDsn(): EnvelopeDsn {
    const recipients: EnvelopeDsn['recipients'] = {};
    for (const r of this.recipients) {
      for (const remote of r.remote) {
        recipients[remote.toLowerCase()] ??= { notify: r.dsn.notify, orcpt: r.dsn.orcpt ?? (remote === r.address ? null : `rfc822;${r.address}`) };
      }
    }
    return { ...this.mailDsn, recipients };
  }

  reset(): void {
    this.mailFrom = null;
    this.sizeHint = null;
    this.mailDsn = { ret: null, envid: null };
    this.smtpUtf8 = false;
    this.sending = null;
    this.recipients = [];
  }

  /** One structured line per session. */
  close(): void {
    this.deps.log.info(
      {
        session: this.info.id,
        ip: this.clientIp,
        port: this.info.clientPort,
        listener: this.listener,
        helo: this.helo || null,
        tls: this.tls ? { version: this.tls.version, cipher: this.tls.cipher, mode: this.tls.mode, sni: this.tls.sni } : null,
        user: this.user?.address ?? null,
        ...this.stats,
        lastError: this.lastError,
        ms: Date.now() - this.started,
      },
      'smtp session',
    );
  }

  private note(outcome: Outcome): Outcome {
    if (!outcome.ok) {
      this.lastError = `${outcome.reply.code} ${outcome.reply.enhanced}`;
      processMetrics.inc(DAEMON_METRICS.refused, { listener: this.listener, code: outcome.reply.enhanced });
    }
    return outcome;
  }
}
