import net from 'node:net';
import type { Session } from './connections';
import { policyAllows, type MtaSts, type StsLookup } from './mta-sts';
import { DnsError, type DnsResolver, type TlsaRecord } from '@/lib/dns/resolver';
import { route, type MxHost, type RouteFailure } from './routing';
import { SmtpClient, type SmtpTimeouts } from './smtp-client';
import { SmtpError, type SmtpReply } from './smtp-reply';
import { judgePeer, judgeSmarthost, tlsDemand, type TlsPolicy } from './tls-decision';
import { printableLine } from './transaction';
import type { AttemptFacts, DeliveryRequest, Smarthost } from './types';

// Opening a destination: its MX hosts in order (RFC 5321 §5.1), MTA-STS's list of
// allowed hosts applied (RFC 8461 §4.1), each address tried under the host's TLS
// decision (tls-decision.ts); or the smarthost. The result is a session ready for MAIL,
// or the most telling of the failures met on the way.

/** What opening needs from the transport's options. */
export interface Dialer {
  resolver: DnsResolver;
  /** The port of every MX. */
  port: number;
  heloName: string;
  ca: string[] | undefined;
  timeouts?: Partial<SmtpTimeouts>;
  mtaSts: MtaSts | null;
  log: { debug(obj: object, msg?: string): void };
  random?: () => number;
}

type Facts = Omit<AttemptFacts, 'durationMs'>;

/** Why a host could not carry the message; the most telling one becomes the deferral. */
export interface HostFailure {
  code: number | null;
  enhanced: string;
  reply: string;
  /** dns < connect < reply < policy: a TLS policy failure explains more than a refused port. */
  rank: number;
  /** Every other host would fail the same way (smarthost AUTH refused). */
  final?: boolean;
}

const RANK = { dns: 0, connect: 1, reply: 2, policy: 3 } as const;

/** A routing failure (RFC 7505 null MX, a domain that does not exist, DNS down): it decides the outcome itself. */
export type RecipientFailure = RouteFailure & { routing: true };

/** A session to the request's smarthost, or to one of its domain's MX hosts. */
export function openSession(ctx: Dialer, request: DeliveryRequest, facts: Facts): Promise<{ session: Session } | { failure: HostFailure | RecipientFailure }> {
  return request.smarthost ? openViaSmarthost(ctx, request.smarthost, request, facts) : openViaMx(ctx, request, facts);
}

/** Connects to one address of one host and brings the session to where MAIL may be sent. */
async function openMx(ctx: Dialer, host: string, ip: string, policy: TlsPolicy, facts: Facts, notes: string[], plain: boolean): Promise<{ session: Session } | { failure: HostFailure; retryPlain?: boolean }> {
  const where = `${host} [${ip}]`;
  Object.assign(facts, { mxHost: host, ip, port: ctx.port, tlsVersion: null, tlsCipher: null, verification: 'none' });
  let client: SmtpClient;
  try {
    client = await SmtpClient.connect({ host: ip, port: ctx.port, servername: host, ca: ctx.ca, timeouts: ctx.timeouts });
  } catch (err) {
    // RFC 3463 4.4.1: "No answer from host".
    return { failure: { code: null, enhanced: '4.4.1', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect } };
  }
  const fail = (f: HostFailure, retryPlain = false) => {
    client.close();
    return { failure: f, retryPlain };
  };
  const replyFailure = (what: string, r: SmtpReply): HostFailure => ({
    code: r.code, enhanced: '4.4.1', reply: printableLine(`${where} answered ${what} with ${r.code} ${r.text}`), rank: RANK.reply,
  });
  try {
    // RFC 5321 §3.1: a server that is not 220 at the greeting is not taking mail; try the next MX.
    if (client.greeting.code !== 220) return fail(replyFailure('the greeting', client.greeting));
    let ehlo = await client.ehlo(ctx.heloName);
    if (ehlo.code !== 250) return fail(replyFailure('EHLO', ehlo));

    const { required: tlsRequired, why, stsTesting } = tlsDemand(policy);

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
      if (tlsRequired) return fail({ code: started.code, enhanced: '4.7.4', reply: printableLine(`${where} refused STARTTLS (${started.code} ${started.text}), required by ${why}`), rank: RANK.policy });
      // RFC 3207 §4: after a refusal the session goes on in cleartext.
      if (stsTesting) notes.push(`MTA-STS testing: ${host} refused STARTTLS`);
      return { session: { client, facts, notes } };
    }

    const t = client.tls!;
    facts.tlsVersion = t.protocol;
    facts.tlsCipher = t.cipher;
    const judged = judgePeer(policy, host, t);
    if (judged.verification) facts.verification = judged.verification;
    if (judged.note) notes.push(judged.note);
    if (judged.refusal) return fail({ code: null, enhanced: '4.7.5', reply: `${where}: ${judged.refusal}`, rank: RANK.policy });
    // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
    ehlo = await client.ehlo(ctx.heloName);
    if (ehlo.code !== 250) return fail(replyFailure('EHLO after STARTTLS', ehlo));
    return { session: { client, facts, notes } };
  } catch (err) {
    return fail({ code: null, enhanced: '4.4.2', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect });
  }
}

async function openViaMx(ctx: Dialer, request: DeliveryRequest, facts: Facts): Promise<{ session: Session } | { failure: HostFailure | RecipientFailure }> {
  let sts: StsLookup | null = null;
  if (ctx.mtaSts) {
    try {
      sts = await ctx.mtaSts.lookup(request.domain);
    } catch {
      sts = null;
    }
  }
  facts.mtaSts = sts ? (sts.policy.mode as 'enforce' | 'testing') : null;
  const routed = await route(ctx.resolver, request.domain, ctx.random);
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
      ips = await ctx.resolver.addresses(mx.host);
    } catch (err) {
      note({ code: null, enhanced: err instanceof DnsError && err.permanent ? '4.4.4' : '4.4.3', reply: `Cannot resolve ${mx.host}: ${(err as Error).message}`, rank: RANK.dns });
      continue;
    }
    // RFC 7672 §2.2: TLSA at _port._tcp.<mx host>, counted only when authenticated.
    let dane: TlsaRecord[] | null = null;
    try {
      const answer = await ctx.resolver.tlsa(`_${ctx.port}._tcp.${mx.host}`);
      if (answer.authenticated && answer.records.length) dane = answer.records;
    } catch (err) {
      // RFC 7672 §2.1.1: a TLSA lookup that fails (not NXDOMAIN/NODATA) leaves the host unusable for now.
      note({ code: null, enhanced: '4.7.5', reply: `TLSA lookup for ${mx.host} failed: ${(err as Error).message}`, rank: RANK.policy });
      continue;
    }
    const policy: TlsPolicy = { dane, sts, requirement: request.tls };
    for (const ip of ips) {
      let opened = await openMx(ctx, mx.host, ip, policy, facts, [...hostNotes], false);
      if ('failure' in opened && opened.retryPlain) opened = await openMx(ctx, mx.host, ip, policy, facts, [...hostNotes, 'TLS handshake failed; sent in cleartext'], true);
      if ('session' in opened) return opened;
      note(opened.failure);
      ctx.log.debug({ domain: request.domain, mx: mx.host, ip, reason: opened.failure.reply }, 'outbound host failed');
    }
  }
  return { failure: best ?? { code: null, enhanced: '4.4.1', reply: `No usable MX host for ${request.domain}`, rank: RANK.connect } };
}

async function openViaSmarthost(ctx: Dialer, sh: Smarthost, request: DeliveryRequest, facts: Facts): Promise<{ session: Session } | { failure: HostFailure }> {
  let ips: string[];
  try {
    ips = net.isIP(sh.host) ? [sh.host] : await ctx.resolver.addresses(sh.host);
  } catch (err) {
    return { failure: { code: null, enhanced: '4.4.3', reply: `Cannot resolve smarthost ${sh.host}: ${(err as Error).message}`, rank: RANK.dns } };
  }
  let best: HostFailure | null = null;
  for (const ip of ips) {
    const where = `smarthost ${sh.host} [${ip}]:${sh.port}`;
    Object.assign(facts, { mxHost: sh.host, ip, port: sh.port, tlsVersion: null, tlsCipher: null, verification: 'none' });
    let client: SmtpClient;
    try {
      client = await SmtpClient.connect({ host: ip, port: sh.port, servername: sh.host, implicitTls: sh.security === 'implicit', ca: ctx.ca, timeouts: ctx.timeouts });
    } catch (err) {
      best = { code: null, enhanced: '4.4.1', reply: `${where}: ${(err as Error).message}`, rank: RANK.connect };
      continue;
    }
    const failure = await (async (): Promise<HostFailure | null> => {
      if (client.greeting.code !== 220) return { code: client.greeting.code, enhanced: '4.4.1', reply: printableLine(`${where} greeted ${client.greeting.code} ${client.greeting.text}`), rank: RANK.reply };
      let ehlo = await client.ehlo(ctx.heloName);
      if (ehlo.code !== 250) return { code: ehlo.code, enhanced: '4.4.1', reply: printableLine(`${where} answered EHLO ${ehlo.code} ${ehlo.text}`), rank: RANK.reply };
      if (sh.security === 'starttls') {
        // A relay we hand everything to (and maybe a password) is always reached over TLS.
        if (!client.has('STARTTLS')) return { code: null, enhanced: '4.7.4', reply: `${where} does not offer STARTTLS`, rank: RANK.policy };
        const r = await client.startTls();
        if (r.code !== 220) return { code: r.code, enhanced: '4.7.4', reply: printableLine(`${where} refused STARTTLS: ${r.code} ${r.text}`), rank: RANK.policy };
        ehlo = await client.ehlo(ctx.heloName);
        if (ehlo.code !== 250) return { code: ehlo.code, enhanced: '4.4.1', reply: printableLine(`${where} answered EHLO ${ehlo.code} ${ehlo.text}`), rank: RANK.reply };
      }
      const t = client.tls!;
      facts.tlsVersion = t.protocol;
      facts.tlsCipher = t.cipher;
      const judged = judgeSmarthost(t, request.tls, Boolean(sh.username));
      facts.verification = judged.verification;
      if (judged.refusal) return { code: null, enhanced: '4.7.5', reply: `${where}: ${judged.refusal}`, rank: RANK.policy };
      if (sh.username) {
        const r = await client.auth(sh.username, sh.password ?? '');
        if (r.code !== 235) {
          // The same credentials fail at every address: stop here, deferred until the admin fixes them.
          return { code: r.code, enhanced: r.enhanced ?? '4.7.8', reply: printableLine(`${where} refused AUTH: ${r.code} ${r.text}`), rank: RANK.policy, final: true };
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
