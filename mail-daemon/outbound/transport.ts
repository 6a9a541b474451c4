import { createConnectionPool, type Session } from './connections';
import { createMtaSts, type MtaSts, type MtaStsOptions } from './mta-sts';
import { openSession, type Dialer, type RecipientFailure } from './open-session';
import type { DnsResolver } from '@/lib/dns/resolver';
import type { SmtpTimeouts } from './smtp-client';
import { meetsRequirement } from './tls-decision';
import { printableLine, transact } from './transaction';
import { trustAnchors } from './trust';
import type { AttemptFacts, DeliveryRequest, DeliveryResult, RecipientOutcome, Transport } from './types';

// The wire half of outbound delivery, one request at a time: recipients whose address
// cannot go on the wire fail at once; the rest wait for room at their destination
// (connections.ts), take an idle connection that meets the request's TLS requirement or
// open one (routing, MTA-STS, DANE and the TLS decision: open-session.ts), and share one
// SMTP transaction (transaction.ts). Never throws.

/** What the transport logs through (a pino logger fits). */
export interface OutboundLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface TransportOptions {
  resolver: DnsResolver;
  /** POSTERN_OUTBOUND_PORT: the port of every MX (25; tests use a loopback port). */
  port?: number;
  /** POSTERN_HOSTNAME: the name we give in EHLO (RFC 5321 §4.1.1.1). */
  heloName: string;
  /** Extra trust anchors (tests), added to node's root store, for SMTP peers and MTA-STS hosts. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** MTA-STS options, a ready MtaSts, or false to ignore MTA-STS. */
  mtaSts?: MtaStsOptions | MtaSts | false;
  /** Open connections per destination (domain or smarthost) at once; default 5. */
  maxPerDestination?: number;
  /** How long an idle connection waits for the next message to the same destination; 0 disables reuse. */
  idleReuseMs?: number;
  timeouts?: Partial<SmtpTimeouts>;
  log?: OutboundLog;
  /** Source of randomness for equal MX preferences (tests pin it). */
  random?: () => number;
}

const silent: OutboundLog = { info() {}, warn() {}, debug() {} };

export function createTransport(options: TransportOptions): Transport {
  const resolver = options.resolver;
  const port = options.port ?? 25;
  const log = options.log ?? silent;
  const pool = createConnectionPool(Math.max(1, options.maxPerDestination ?? 5), options.idleReuseMs ?? 10_000);
  const ca = trustAnchors(options.ca);
  const mtaSts: MtaSts | null =
    options.mtaSts === false ? null : options.mtaSts && 'lookup' in options.mtaSts ? options.mtaSts : createMtaSts(resolver, { ca: options.ca, ...(options.mtaSts ?? {}) });

  const newFacts = (): Omit<AttemptFacts, 'durationMs'> => ({
    mxHost: null, ip: null, port: null, tlsVersion: null, tlsCipher: null, verification: 'none', mtaSts: null,
  });
  const dialer: Dialer = { resolver, port, heloName: options.heloName, ca, timeouts: options.timeouts, mtaSts, log, random: options.random };

  /** RFC 5321 §4.1.2: a path with CR, LF, NUL or angle brackets cannot be sent (it would end or break the command). */
  const badPath = (a: string) => /[\r\n\0<>]/.test(a) || a.length > 1000;

  /** Recipients whose address cannot go on the wire fail at once (RFC 3463 5.1.3); the rest are delivered. */
  async function deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    if (badPath(request.mailFrom)) {
      return {
        outcomes: request.recipients.map((r) => ({ address: r.address, outcome: 'failed', code: null, enhanced: '5.1.7', reply: 'Bad sender address syntax' })),
        attempt: { ...newFacts(), durationMs: 0 },
      };
    }
    const bad = request.recipients.filter((r) => badPath(r.address));
    if (!bad.length) return deliverValid(request);
    const res = await deliverValid({ ...request, recipients: request.recipients.filter((r) => !badPath(r.address)) });
    const byAddress = new Map(res.outcomes.map((o) => [o.address, o]));
    return {
      ...res,
      outcomes: request.recipients.map(
        (r): RecipientOutcome => byAddress.get(r.address) ?? { address: r.address, outcome: 'failed', code: null, enhanced: '5.1.3', reply: 'Bad destination mailbox address syntax' },
      ),
    };
  }

  async function deliverValid(request: DeliveryRequest): Promise<DeliveryResult> {
    const started = performance.now();
    const facts = newFacts();
    const result = (outcomes: RecipientOutcome[]): DeliveryResult => ({ outcomes, attempt: { ...facts, durationMs: Math.round(performance.now() - started) } });
    const everyone = (o: Omit<RecipientOutcome, 'address'>) => request.recipients.map((r) => ({ ...o, address: r.address }));
    if (!request.recipients.length) return result([]);
    if (pool.closed) return result(everyone({ outcome: 'deferred', code: null, enhanced: '4.3.2', reply: 'Transport is shutting down' }));

    const key = request.smarthost ? `smarthost:${request.smarthost.host}:${request.smarthost.port}` : `mx:${request.domain.toLowerCase()}`;
    const d = pool.destination(key);
    await pool.acquire(d);
    let session: Session | null = null;
    let reusable = false;
    try {
      session = await pool.reuse(d, (s) => meetsRequirement(request.tls, s.facts.verification));
      if (session) Object.assign(facts, session.facts);
      else {
        pool.makeRoom(d);
        const opened = await openSession(dialer, request, facts);
        if ('failure' in opened) {
          const f = opened.failure;
          const routing = 'routing' in f;
          const outcome: RecipientOutcome['outcome'] = routing ? (f as RecipientFailure).outcome : 'deferred';
          log.info({ domain: request.domain, mx: facts.mxHost, ip: facts.ip, reason: f.reply }, 'outbound delivery not attempted');
          return result(everyone({ outcome, code: f.code, enhanced: f.enhanced, reply: printableLine(f.reply) }));
        }
        session = opened.session;
      }
      // RFC 3461 §5.2.2: whether the next hop takes over the NOTIFY duty decides the runner's "relayed" notice.
      facts.nextHopDsn = session.client.has('DSN');
      const sent = await transact(session, request);
      reusable = sent.reusable;
      if (session.notes.length) log.warn({ domain: request.domain, mx: facts.mxHost, notes: session.notes }, 'MTA-STS testing: policy failures (delivered anyway)');
      log.info(
        { domain: request.domain, mx: facts.mxHost, ip: facts.ip, tls: facts.tlsVersion, verification: facts.verification, outcomes: sent.outcomes.map((o) => `${o.address}:${o.outcome}:${o.code ?? '-'}`) },
        'outbound attempt',
      );
      return result(sent.outcomes);
    } catch (err) {
      // Never throws (types.ts): an unexpected error defers everyone, 4.3.0 "other or undefined mail system status".
      log.warn({ domain: request.domain, err: String(err) }, 'outbound delivery failed unexpectedly');
      reusable = false;
      return result(everyone({ outcome: 'deferred', code: null, enhanced: '4.3.0', reply: 'Local error during delivery' }));
    } finally {
      pool.release(d, session, reusable);
    }
  }

  return { deliver, close: () => pool.close() };
}
