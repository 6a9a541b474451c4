import net from 'node:net';
import { arc as verifyArc } from 'mailauth/lib/arc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { evaluateDmarc } from 'mailauth/lib/dmarc/index.js';
import { spf } from 'mailauth/lib/spf/index.js';
import { formatAuthHeaderRow } from 'mailauth/lib/tools.js';
import type { DnsResolver } from '@/lib/dns/resolver';
import { authenticationResultsField } from './header';
import { boundedResolver, LOOKUP_LIMITS, type LookupLimits } from './resolver';

// SPF (RFC 7208) for MAIL FROM and HELO, every DKIM signature (RFC 6376), DMARC with alignment
// (RFC 7489), the ARC chain (RFC 8617), by mailauth over our resolver; written as one
// Authentication-Results field (RFC 8601) with our host name as authserv-id.
//
// mailauth's authenticate() runs these same steps, but its module also loads the BIMI checker,
// whose HTTP client (undici 8) needs Node 22; we do not check BIMI, so the steps are called here
// one by one, in authenticate()'s order, and this runs on the Node 20 we support.

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface AuthenticationResults {
  /** RFC 7489 §3.1.1: the RFC 5322 From domain; null when there is not exactly one. */
  fromDomain: string | null;
  /** RFC 7208 §2.4 MAIL FROM identity (the HELO identity for the null reverse-path). */
  spf: { result: string; domain: string; comment?: string };
  /** RFC 7208 §2.3 HELO identity, checked on its own when MAIL FROM is not empty and HELO is a name. */
  helo: { result: string; domain: string; comment?: string } | null;
  dkim: { result: string; domain?: string; selector?: string; b?: string; aligned?: string | false; comment?: string }[];
  /** null: DMARC could not be evaluated (no or several author domains). */
  dmarc: {
    result: string;
    /** The policy to apply after sp/np (RFC 7489 §6.6.3), before pct. */
    policy: DmarcPolicy | null;
    /** RFC 7489 §6.3 pct (100 when absent). */
    pct: number;
    policyDomain?: string;
    record?: string;
    comment?: string;
  } | null;
  dmarcSkipReason?: string;
  arc: { result: string; instance: number | false; comment?: string };
  /** The Authentication-Results field, CRLF-terminated. */
  header: string;
}

export interface AuthenticationInput {
  message: Buffer;
  ip: string;
  helo: string;
  mailFrom: string;
  /** Our authserv-id (POSTERN_HOSTNAME). */
  hostname: string;
  resolver: Pick<DnsResolver, 'resolve'>;
  limits?: LookupLimits;
}

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** RFC 7489 §6.3: pct=0..100, default 100; mailauth gives the record, not the tag. */
export function dmarcPct(record: string | undefined): number {
  const m = /(?:^|;)\s*pct\s*=\s*(\d{1,3})\s*(?:;|$)/i.exec(record ?? '');
  if (!m) return 100;
  const n = Number(m[1]);
  return n >= 0 && n <= 100 ? n : 100;
}

/** A HELO that can be an SPF identity: a domain name, not an address literal (RFC 7208 §2.3). */
function heloDomain(helo: string): string | null {
  const h = helo.trim().replace(/\.$/, '');
  if (!h || h.startsWith('[') || net.isIP(h) || !h.includes('.')) return null;
  return h;
}

export async function checkAuthentication(input: AuthenticationInput): Promise<AuthenticationResults> {
  // One bounded resolver for every lookup of this message, so the checks together end in time.
  const resolver = boundedResolver(input.resolver, input.limits ?? LOOKUP_LIMITS);
  const helo = heloDomain(input.helo);
  const dkimResult = await dkimVerify(input.message, { resolver: resolver as never, sender: input.mailFrom });
  // RFC 7208 §2.4: with the null reverse-path the HELO identity is the one checked; an address
  // literal HELO (or none) gives the client's address in brackets.
  const spfHelo = !input.helo || net.isIP(input.helo) ? `[${input.helo || input.ip}]` : input.helo;
  const [spfMailFrom, heloSpf] = await Promise.all([
    spf({ sender: input.mailFrom, ip: input.ip, helo: spfHelo, mta: input.hostname, resolver: resolver as never }),
    input.mailFrom && helo
      ? spf({ sender: '', ip: input.ip, helo, mta: input.hostname, resolver: resolver as never, strict: true })
      : Promise.resolve(null),
  ]);
  const arcResult = await verifyArc(dkimResult.arc as never, { resolver: resolver as never, ip: input.ip } as never);
  const passing = (dkimResult.results ?? []).filter((r) => r.status.result === 'pass');
  const evaluated = dkimResult.headerFrom
    ? await evaluateDmarc({
        headerFrom: dkimResult.headerFrom,
        fromFields: (dkimResult as { fromFields?: unknown }).fromFields,
        spfDomains: spfMailFrom.status.result === 'pass' && spfMailFrom.domain ? [spfMailFrom.domain] : [],
        dkimDomains: passing.map((r) => ({ id: r.id, domain: r.signingDomain, aligned: (r.status as { aligned?: unknown }).aligned, underSized: (r.status as { underSized?: unknown }).underSized })),
        arcResult,
        resolver: resolver as never,
      } as never)
    : null;
  const all = {
    spf: spfMailFrom,
    dkim: dkimResult,
    arc: arcResult,
    dmarc: evaluated?.response ?? false,
    dmarcSkipReason: evaluated && !evaluated.response ? evaluated.reason : undefined,
  };

  const spfStatus = all.spf ? all.spf.status : { result: 'none' as const, comment: undefined };
  const spfResult = {
    result: spfStatus.result,
    domain: all.spf ? all.spf.domain : '',
    ...(spfStatus.comment ? { comment: spfStatus.comment } : {}),
  };
  const heloResult = heloSpf
    ? { result: heloSpf.status.result, domain: heloSpf.domain, ...(heloSpf.status.comment ? { comment: heloSpf.status.comment } : {}) }
    : null;

  const dkim = (all.dkim.results ?? []).map((r) => ({
    result: r.status.result,
    ...(r.signingDomain ? { domain: r.signingDomain } : {}),
    ...(r.selector ? { selector: r.selector } : {}),
    ...(r.status.header?.b ? { b: String(r.status.header.b) } : {}),
    ...(r.status.comment ? { comment: r.status.comment } : {}),
    aligned: (r.status as { aligned?: string | false }).aligned ?? false,
  }));

  const d = all.dmarc;
  const dmarc = d
    ? {
        result: d.status.result,
        policy: d.policy && POLICIES.has(d.policy) ? (d.policy as DmarcPolicy) : null,
        pct: dmarcPct(d.rr),
        ...(d.policyDomain ? { policyDomain: d.policyDomain } : {}),
        ...(d.rr ? { record: d.rr } : {}),
        ...(d.status.comment ? { comment: d.status.comment } : {}),
      }
    : null;
  const arc: AuthenticationResults['arc'] = all.arc
    ? { result: all.arc.status.result, instance: all.arc.i, ...(all.arc.status.comment ? { comment: all.arc.status.comment } : {}) }
    : { result: 'none', instance: false as const };

  // RFC 8601 §2.7: one resinfo per method and identity.
  const rows: string[] = [];
  const mailfromIdentity = input.mailFrom ? { mailfrom: input.mailFrom } : { helo: input.helo };
  rows.push(formatAuthHeaderRow('spf', { result: spfResult.result, comment: spfResult.comment, smtp: mailfromIdentity }));
  if (heloResult) rows.push(formatAuthHeaderRow('spf', { result: heloResult.result, comment: heloResult.comment, smtp: { helo: input.helo } }));
  for (const r of all.dkim.results ?? []) {
    const header = r.signingDomain ? { d: r.signingDomain, s: r.selector, b: r.status.header?.b } : undefined;
    rows.push(formatAuthHeaderRow('dkim', { result: r.status.result, comment: r.status.comment, header, policy: r.status.policy }));
  }
  rows.push(all.arc && all.arc.info ? all.arc.info : formatAuthHeaderRow('arc', { result: arc.result, comment: arc.comment }));
  if (d) rows.push(d.info);
  else rows.push(formatAuthHeaderRow('dmarc', { result: all.dmarcSkipReason ? 'permerror' : 'none', comment: all.dmarcSkipReason ?? 'no author domain' }));

  return {
    fromDomain: d ? d.status.header?.from ?? null : null,
    spf: spfResult,
    helo: heloResult,
    dkim,
    dmarc,
    ...(all.dmarcSkipReason ? { dmarcSkipReason: all.dmarcSkipReason } : {}),
    arc,
    header: authenticationResultsField(input.hostname, rows.map((r) => r.replace(/\r?\n/g, ' '))),
  };
}

/** The receipt's DKIM keyword: pass when any signature passed, else the first signature's result. */
export function dkimSummary(results: AuthenticationResults['dkim']): string {
  if (results.some((r) => r.result === 'pass')) return 'pass';
  return results[0]?.result ?? 'none';
}
