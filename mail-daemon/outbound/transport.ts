import net from 'node:net';
import { usableRecords, verifyDane } from './dane';
import { createMtaSts, policyAllows, type MtaSts, type MtaStsOptions, type StsLookup } from './mta-sts';
import { DnsError, type DnsResolver, type TlsaRecord } from './resolver';
import { route, type MxHost } from './routing';
import { SmtpClient, SmtpError, type SmtpReply, type SmtpTimeouts } from './smtp-client';
import { trustAnchors } from './trust';
import type { AttemptFacts, DeliveryRequest, DeliveryResult, RecipientOutcome, Smarthost, TlsVerification, Transport } from './types';

// The wire half of outbound delivery: route (RFC 5321 §5.1), decide TLS from the
// request, MTA-STS (RFC 8461) and DANE (RFC 7672), then one SMTP transaction for all
// the request's recipients. Connections to a destination are limited and reused.

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

/** Why a host could not carry the message; the most telling one becomes the deferral. */
interface HostFailure {
  code: number | null;
  enhanced: string;
  reply: string;
  /** dns < connect < reply < policy: a TLS policy failure explains more than a refused port. */
  rank: number;
  /** Every other host would fail the same way (smarthost AUTH refused). */
  final?: boolean;
}

const RANK = { dns: 0, connect: 1, reply: 2, policy: 3 } as const;

interface Session {
  client: SmtpClient;
  facts: Omit<AttemptFacts, 'durationMs'>;
  /** MTA-STS testing findings, reported in every outcome's reply (RFC 8461 §5). */
  notes: string[];
}

interface Idle extends Session {
  timer: NodeJS.Timeout;
}

interface Destination {
  active: number;
  idle: Idle[];
  waiters: Array<() => void>;
}

/** What must hold for a host's TLS, decided before connecting. */
interface TlsPolicy {
  /** DANE TLSA records (authenticated, non-empty): TLS is mandatory (RFC 7672 §2.2). */
  dane: TlsaRecord[] | null;
  sts: StsLookup | null;
  requirement: DeliveryRequest['tls'];
}

const oneLine = (s: string, max = 500) => s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, max);

function synthEnhanced(code: number): string {
  return `${Math.floor(code / 100)}.0.0`;
}

function fromReply(address: string, r: SmtpReply): RecipientOutcome {
  const cls = Math.floor(r.code / 100);
  const outcome = cls === 2 ? 'sent' : cls === 5 ? 'failed' : 'deferred';
  // A 3xx where a final reply belongs, or anything else odd, is a protocol error: try again later.
  const enhanced = cls === 2 || cls === 4 || cls === 5 ? (r.enhanced ?? synthEnhanced(r.code)) : '4.5.0';
  return { address, outcome, code: r.code, enhanced, reply: oneLine(`${r.code} ${r.text}`) };
}

const meetsRequirement = (requirement: DeliveryRequest['tls'], v: TlsVerification) =>
  requirement === 'opportunistic' || (requirement === 'require-tls' ? v !== 'none' : v === 'dane' || v === 'mta-sts' || v === 'pkix');

export function createTransport(options: TransportOptions): Transport {
  const resolver = options.resolver;
  const port = options.port ?? 25;
  const log = options.log ?? silent;
  const maxPer = Math.max(1, options.maxPerDestination ?? 5);
  const idleMs = options.idleReuseMs ?? 10_000;
  const ca = trustAnchors(options.ca);
  const mtaSts: MtaSts | null =
    options.mtaSts === false ? null : options.mtaSts && 'lookup' in options.mtaSts ? options.mtaSts : createMtaSts(resolver, { ca: options.ca, ...(options.mtaSts ?? {}) });
  const destinations = new Map<string, Destination>();
  let closed = false;

  const destination = (key: string): Destination => {
    let d = destinations.get(key);
    if (!d) destinations.set(key, (d = { active: 0, idle: [], waiters: [] }));
    return d;
  };

  const acquire = async (d: Destination) => {
    while (d.active >= maxPer) await new Promise<void>((resolve) => d.waiters.push(resolve));
    d.active++;
  };

  const release = (d: Destination, session: Session | null, reusable: boolean) => {
    d.active--;
    if (session) {
      if (reusable && idleMs > 0 && !closed && !session.client.closed) {
        const idle: Idle = {
          ...session,
          timer: setTimeout(() => {
            d.idle = d.idle.filter((i) => i !== idle);
            void idle.client.quit();
          }, idleMs),
        };
        idle.timer.unref();
        d.idle.push(idle);
      } else void session.client.quit();
    }
    d.waiters.shift()?.();
  };

  /** An idle connection that meets this request's TLS requirement, checked alive with RSET. */
  const reuse = async (d: Destination, requirement: DeliveryRequest['tls']): Promise<Session | null> => {
    while (d.idle.length) {
      const i = d.idle.findIndex((s) => meetsRequirement(requirement, s.facts.verification));
      if (i < 0) return null;
      const [idle] = d.idle.splice(i, 1);
      clearTimeout(idle.timer);
      try {
        const r = await idle.client.rset();
        if (r.code === 250) return { client: idle.client, facts: idle.facts, notes: idle.notes };
      } catch {
        // closed while idle
      }
      idle.client.close();
    }
    return null;
  };

  /** Keeps active + idle within the limit before a new connection opens. */
  const makeRoom = (d: Destination) => {
    while (d.idle.length && d.active + d.idle.length > maxPer) {
      const old = d.idle.shift()!;
      clearTimeout(old.timer);
      void old.client.quit();
    }
  };

  const newFacts = (): Omit<AttemptFacts, 'durationMs'> => ({
    mxHost: null, ip: null, port: null, tlsVersion: null, tlsCipher: null, verification: 'none', mtaSts: null,
  });

  /** Connects to one address of one host and brings the session to where MAIL may be sent. */
  async function openMx(host: string, ip: string, policy: TlsPolicy, facts: Omit<AttemptFacts, 'durationMs'>, notes: string[], plain: boolean): Promise<{ session: Session } | { failure: HostFailure; retryPlain?: boolean }> {
    const where = `${host} [${ip}]`;
    Object.assign(facts, { mxHost: host, ip, port, tlsVersion: null, tlsCipher: null, verification: 'none' });
    let client: SmtpClient;
    try {
      client = await SmtpClient.connect({ host: ip, port, servername: host, ca, timeouts: options.timeouts });
    } catch (err) {
      // RFC 3463 4.4.1: "No answer from host".
      return { failure: { code: null, enhanced: '4.4.1', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect } };
    }
    const fail = (f: HostFailure, retryPlain = false) => {
      client.close();
      return { failure: f, retryPlain };
    };
    const replyFailure = (what: string, r: SmtpReply): HostFailure => ({
      code: r.code, enhanced: '4.4.1', reply: oneLine(`${where} answered ${what} with ${r.code} ${r.text}`), rank: RANK.reply,
    });
    try {
      // RFC 5321 §3.1: a server that is not 220 at the greeting is not taking mail; try the next MX.
      if (client.greeting.code !== 220) return fail(replyFailure('the greeting', client.greeting));
      let ehlo = await client.ehlo(options.heloName);
      if (ehlo.code !== 250) return fail(replyFailure('EHLO', ehlo));

      const daneRequired = policy.dane !== null;
      const stsEnforce = policy.sts?.policy.mode === 'enforce';
      const stsTesting = policy.sts?.policy.mode === 'testing';
      const tlsRequired = daneRequired || stsEnforce || policy.requirement !== 'opportunistic';
      const why = daneRequired ? 'DANE' : stsEnforce ? 'MTA-STS' : policy.requirement;

      if (plain || !client.has('STARTTLS')) {
        if (tlsRequired) {
          // RFC 3463 4.7.4: "Security features not supported". Never downgrade (RFC 8461 §5, RFC 7672 §2.2).
          return fail({ code: null, enhanced: '4.7.4', reply: `${where} does not offer STARTTLS, required by ${why}`, rank: RANK.policy });
        }
        if (stsTesting) notes.push(`MTA-STS testing: ${host} offers no STARTTLS`);
        return { session: { client, facts, notes } };
      }

      let started: SmtpReply;
      try {
        started = await client.startTls();
      } catch (err) {
        if (err instanceof SmtpError && err.kind === 'tls' && !tlsRequired) {
          // Opportunistic TLS (RFC 7435 §6): a failed handshake is retried without TLS.
          if (stsTesting) notes.push(`MTA-STS testing: TLS handshake with ${host} failed`);
          return fail({ code: null, enhanced: '4.7.5', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect }, true);
        }
        return fail({ code: null, enhanced: '4.7.5', reply: `${where}: ${(err as Error).message}`, rank: RANK.policy });
      }
      if (started.code !== 220) {
        if (tlsRequired) return fail({ code: started.code, enhanced: '4.7.4', reply: oneLine(`${where} refused STARTTLS (${started.code} ${started.text}), required by ${why}`), rank: RANK.policy });
        // RFC 3207 §4: after a refusal the session goes on in cleartext.
        if (stsTesting) notes.push(`MTA-STS testing: ${host} refused STARTTLS`);
        return { session: { client, facts, notes } };
      }

      const t = client.tls!;
      facts.tlsVersion = t.protocol;
      facts.tlsCipher = t.cipher;
      const pkixOk = t.authorized && t.identityError === null;
      const pkixWhy = t.authorizationError ?? t.identityError ?? '';
      let verification: TlsVerification;
      if (policy.dane) {
        const usable = usableRecords(policy.dane);
        if (usable.length) {
          const verdict = verifyDane(usable, t.chain, [host]);
          // RFC 7672 §2.2: authentication failure → this host is not used; try the next.
          if (!verdict.ok) return fail({ code: null, enhanced: '4.7.5', reply: `${where}: DANE verification failed: ${verdict.reason}`, rank: RANK.policy });
          verification = 'dane';
        } else {
          // RFC 7672 §2.2: only unusable TLSA records: TLS is still mandatory, authentication is not.
          verification = pkixOk ? 'pkix' : 'unverified';
        }
      } else if (stsEnforce) {
        // RFC 8461 §4.2: the certificate must be PKIX-valid for the MX host name.
        if (!pkixOk) return fail({ code: null, enhanced: '4.7.5', reply: `${where}: certificate not valid under MTA-STS enforce: ${pkixWhy}`, rank: RANK.policy });
        verification = 'mta-sts';
      } else {
        verification = pkixOk ? 'pkix' : 'unverified';
        if (stsTesting && !pkixOk) notes.push(`MTA-STS testing: certificate of ${host} not valid: ${pkixWhy}`);
      }
      facts.verification = verification;
      if (!meetsRequirement(policy.requirement, verification)) {
        return fail({ code: null, enhanced: '4.7.5', reply: `${where}: certificate not verified (${pkixWhy || 'no DANE or PKIX match'}), required by ${policy.requirement}`, rank: RANK.policy });
      }
      // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
      ehlo = await client.ehlo(options.heloName);
      if (ehlo.code !== 250) return fail(replyFailure('EHLO after STARTTLS', ehlo));
      return { session: { client, facts, notes } };
    } catch (err) {
      return fail({ code: null, enhanced: '4.4.2', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect });
    }
  }

  async function openViaMx(request: DeliveryRequest, facts: Omit<AttemptFacts, 'durationMs'>): Promise<{ session: Session } | { failure: HostFailure | RecipientFailure }> {
    let sts: StsLookup | null = null;
    if (mtaSts) {
      try {
        sts = await mtaSts.lookup(request.domain);
      } catch {
        sts = null;
      }
    }
    facts.mtaSts = sts ? (sts.policy.mode as 'enforce' | 'testing') : null;
    const routed = await route(resolver, request.domain, options.random);
    if (!routed.ok) return { failure: { ...routed.failure, routing: true } };
    let hosts: MxHost[] = routed.hosts;
    const notes: string[] = [];
    if (sts?.policy.mode === 'enforce') {
      // RFC 8461 §4.1: only MX hosts the policy names.
      hosts = hosts.filter((h) => policyAllows(sts.policy, h.host));
      if (!hosts.length) {
        return { failure: { code: null, enhanced: '4.7.0', reply: `No MX host of ${request.domain} matches its MTA-STS policy (${sts.policy.mx.join(', ')})`, rank: RANK.policy } };
      }
    }
    let best: HostFailure | null = null;
    const note = (f: HostFailure) => {
      if (!best || f.rank >= best.rank) best = f;
    };
    for (const mx of hosts) {
      const hostNotes = [...notes];
      if (sts?.policy.mode === 'testing' && !policyAllows(sts.policy, mx.host)) hostNotes.push(`MTA-STS testing: ${mx.host} is not in the policy`);
      let ips: string[];
      try {
        ips = await resolver.addresses(mx.host);
      } catch (err) {
        note({ code: null, enhanced: err instanceof DnsError && err.permanent ? '4.4.4' : '4.4.3', reply: `Cannot resolve ${mx.host}: ${(err as Error).message}`, rank: RANK.dns });
        continue;
      }
      // RFC 7672 §2.2: TLSA at _port._tcp.<mx host>, counted only when authenticated.
      let dane: TlsaRecord[] | null = null;
      try {
        const answer = await resolver.tlsa(`_${port}._tcp.${mx.host}`);
        if (answer.authenticated && answer.records.length) dane = answer.records;
      } catch (err) {
        // RFC 7672 §2.1.1: a TLSA lookup that fails (not NXDOMAIN/NODATA) leaves the host unusable for now.
        note({ code: null, enhanced: '4.7.5', reply: `TLSA lookup for ${mx.host} failed: ${(err as Error).message}`, rank: RANK.policy });
        continue;
      }
      const policy: TlsPolicy = { dane, sts, requirement: request.tls };
      for (const ip of ips) {
        let opened = await openMx(mx.host, ip, policy, facts, [...hostNotes], false);
        if ('failure' in opened && opened.retryPlain) opened = await openMx(mx.host, ip, policy, facts, [...hostNotes, 'TLS handshake failed; sent in cleartext'], true);
        if ('session' in opened) return opened;
        note(opened.failure);
        log.debug({ domain: request.domain, mx: mx.host, ip, reason: opened.failure.reply }, 'outbound host failed');
      }
    }
    return { failure: best ?? { code: null, enhanced: '4.4.1', reply: `No usable MX host for ${request.domain}`, rank: RANK.connect } };
  }

  async function openViaSmarthost(sh: Smarthost, request: DeliveryRequest, facts: Omit<AttemptFacts, 'durationMs'>): Promise<{ session: Session } | { failure: HostFailure }> {
    let ips: string[];
    try {
      ips = net.isIP(sh.host) ? [sh.host] : await resolver.addresses(sh.host);
    } catch (err) {
      return { failure: { code: null, enhanced: '4.4.3', reply: `Cannot resolve smarthost ${sh.host}: ${(err as Error).message}`, rank: RANK.dns } };
    }
    let best: HostFailure | null = null;
    for (const ip of ips) {
      const where = `smarthost ${sh.host} [${ip}]:${sh.port}`;
      Object.assign(facts, { mxHost: sh.host, ip, port: sh.port, tlsVersion: null, tlsCipher: null, verification: 'none' });
      let client: SmtpClient;
      try {
        client = await SmtpClient.connect({ host: ip, port: sh.port, servername: sh.host, implicitTls: sh.security === 'implicit', ca, timeouts: options.timeouts });
      } catch (err) {
        best = { code: null, enhanced: '4.4.1', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect };
        continue;
      }
      const failure = await (async (): Promise<HostFailure | null> => {
        if (client.greeting.code !== 220) return { code: client.greeting.code, enhanced: '4.4.1', reply: oneLine(`${where} greeted ${client.greeting.code} ${client.greeting.text}`), rank: RANK.reply };
        let ehlo = await client.ehlo(options.heloName);
        if (ehlo.code !== 250) return { code: ehlo.code, enhanced: '4.4.1', reply: oneLine(`${where} answered EHLO ${ehlo.code} ${ehlo.text}`), rank: RANK.reply };
        if (sh.security === 'starttls') {
          // A relay we hand everything to (and maybe a password) is always reached over TLS.
          if (!client.has('STARTTLS')) return { code: null, enhanced: '4.7.4', reply: `${where} does not offer STARTTLS`, rank: RANK.policy };
          const r = await client.startTls();
          if (r.code !== 220) return { code: r.code, enhanced: '4.7.4', reply: oneLine(`${where} refused STARTTLS: ${r.code} ${r.text}`), rank: RANK.policy };
          ehlo = await client.ehlo(options.heloName);
          if (ehlo.code !== 250) return { code: ehlo.code, enhanced: '4.4.1', reply: oneLine(`${where} answered EHLO ${ehlo.code} ${ehlo.text}`), rank: RANK.reply };
        }
        const t = client.tls!;
        facts.tlsVersion = t.protocol;
        facts.tlsCipher = t.cipher;
        const pkixOk = t.authorized && t.identityError === null;
        facts.verification = pkixOk ? 'pkix' : 'unverified';
        // RFC 8314 §4.1 asks clients to verify the server before they send credentials.
        if (!pkixOk && (sh.username || !meetsRequirement(request.tls, 'unverified'))) {
          return { code: null, enhanced: '4.7.5', reply: `${where}: certificate not valid: ${t.authorizationError ?? t.identityError}`, rank: RANK.policy };
        }
        if (sh.username) {
          const r = await client.auth(sh.username, sh.password ?? '');
          if (r.code !== 235) {
            // The same credentials fail at every address: stop here, deferred until the admin fixes them.
            return { code: r.code, enhanced: r.enhanced ?? '4.7.8', reply: oneLine(`${where} refused AUTH: ${r.code} ${r.text}`), rank: RANK.policy, final: true };
          }
        }
        return null;
      })().catch((err: Error): HostFailure => ({ code: null, enhanced: '4.4.2', reply: `${where}: ${err.message}`, rank: RANK.connect }));
      if (!failure) return { session: { client, facts, notes: [] } };
      client.close();
      best = failure;
      if (failure.final) break;
    }
    return { failure: best! };
  }

  /** The one transaction for all recipients (RFC 5321 §3.3), replies mapped per recipient. */
  async function transact(session: Session, request: DeliveryRequest): Promise<{ outcomes: RecipientOutcome[]; reusable: boolean }> {
    const { client } = session;
    const all = (o: Omit<RecipientOutcome, 'address'>) => request.recipients.map((r) => ({ ...o, address: r.address }));
    // RFC 1870 §6.3: a message larger than the announced SIZE will be refused; do not send it.
    if (client.maxSize && request.raw.length > client.maxSize) {
      return { outcomes: all({ outcome: 'failed', code: 552, enhanced: '5.3.4', reply: `Message size ${request.raw.length} exceeds the limit ${client.maxSize} of ${client.remote.host}` }), reusable: true };
    }
    const ascii = (a: string) => !/[^\x00-\x7f]/.test(a);
    const utf8 = client.has('SMTPUTF8');
    // RFC 6531 §3.2: a non-ASCII address cannot go to a server without SMTPUTF8 (RFC 3463/6533 5.6.7).
    if (!utf8 && !ascii(request.mailFrom)) {
      return { outcomes: all({ outcome: 'failed', code: null, enhanced: '5.6.7', reply: 'The sender address is not ASCII and the server does not offer SMTPUTF8' }), reusable: true };
    }
    const outcomes = new Map<number, RecipientOutcome>();
    const sendable: number[] = [];
    request.recipients.forEach((r, i) => {
      if (!utf8 && !ascii(r.address)) outcomes.set(i, { address: r.address, outcome: 'failed', code: null, enhanced: '5.6.7', reply: 'The address is not ASCII and the server does not offer SMTPUTF8' });
      else sendable.push(i);
    });
    if (sendable.length) {
      const replies = await client.send({
        from: request.mailFrom,
        recipients: sendable.map((i) => ({ address: request.recipients[i].address, notify: request.recipients[i].dsn?.notify, orcpt: request.recipients[i].dsn?.orcpt })),
        raw: request.raw,
        ret: request.ret,
        envid: request.envid,
      });
      const lost = (address: string): RecipientOutcome => ({
        // RFC 3463 4.4.2: "Bad connection".
        address, outcome: 'deferred', code: null, enhanced: '4.4.2', reply: oneLine(`Connection to ${client.remote.host} lost: ${replies.error?.message ?? 'no reply'}`),
      });
      sendable.forEach((i, k) => {
        const address = request.recipients[i].address;
        const rcpt = replies.rcpt[k];
        let o: RecipientOutcome;
        // A refusal of MAIL or DATA applies to every recipient; of RCPT, to that one only.
        if (replies.mail && replies.mail.code >= 300) o = fromReply(address, replies.mail);
        else if (rcpt && rcpt.code >= 300) o = fromReply(address, rcpt);
        else if (!rcpt) o = lost(address);
        else if (replies.data && replies.data.code !== 354) o = fromReply(address, replies.data);
        else if (replies.final) o = fromReply(address, replies.final);
        else o = lost(address);
        outcomes.set(i, o);
      });
      const reusable = !replies.error && !client.closed && ![replies.mail, replies.data, replies.final, ...replies.rcpt].some((r) => r?.code === 421);
      return { outcomes: request.recipients.map((_, i) => withNotes(outcomes.get(i)!, session.notes)), reusable };
    }
    return { outcomes: request.recipients.map((_, i) => outcomes.get(i)!), reusable: true };
  }

  function withNotes(o: RecipientOutcome, notes: string[]): RecipientOutcome {
    return notes.length ? { ...o, reply: oneLine(`${o.reply} (${notes.join('; ')})`, 1000) } : o;
  }

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
    if (closed) return result(everyone({ outcome: 'deferred', code: null, enhanced: '4.3.2', reply: 'Transport is shutting down' }));

    const key = request.smarthost ? `smarthost:${request.smarthost.host}:${request.smarthost.port}` : `mx:${request.domain.toLowerCase()}`;
    const d = destination(key);
    await acquire(d);
    let session: Session | null = null;
    let reusable = false;
    try {
      session = await reuse(d, request.tls);
      if (session) Object.assign(facts, session.facts);
      else {
        makeRoom(d);
        const opened = request.smarthost ? await openViaSmarthost(request.smarthost, request, facts) : await openViaMx(request, facts);
        if ('failure' in opened) {
          const f = opened.failure;
          const routing = 'routing' in f;
          const outcome: RecipientOutcome['outcome'] = routing ? (f as RecipientFailure).outcome : 'deferred';
          log.info({ domain: request.domain, mx: facts.mxHost, ip: facts.ip, reason: f.reply }, 'outbound delivery not attempted');
          return result(everyone({ outcome, code: f.code, enhanced: f.enhanced, reply: oneLine(f.reply) }));
        }
        session = opened.session;
      }
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
      release(d, session, reusable);
    }
  }

  return {
    deliver,
    async close() {
      closed = true;
      const quits: Promise<void>[] = [];
      for (const d of destinations.values()) {
        for (const idle of d.idle.splice(0)) {
          clearTimeout(idle.timer);
          quits.push(idle.client.quit());
        }
      }
      await Promise.all(quits);
    },
  };
}

type RecipientFailure = { outcome: 'failed' | 'deferred'; code: number | null; enhanced: string; reply: string; routing: true };
