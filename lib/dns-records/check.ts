import { readEnv } from '@/lib/config/env';
import type { Db } from '@/lib/db/prisma';
import { createResolver, DnsError, parseDnsServers, type DnsResolver } from '@/lib/dns/resolver';
import { tlsaRecordText } from './tlsa-text';
import { expectedRecords, type ExpectedRecord, type ExpectedRecords, type HostEnv } from './expected';

// The live state of each expected record, looked up through the one resolver everything uses
// (POSTERN_DNS_SERVERS), all at once, each with its own deadline; the result is kept in
// dns_checks so the domain list and the dashboard can show it without asking DNS again.

export type RecordState = 'right' | 'different' | 'missing' | 'failed';

export interface CheckedRecord extends ExpectedRecord {
  state: RecordState;
  /** What DNS answered, in the same form as `value` (empty when missing or failed). */
  found: string[];
  /** Why the lookup failed (`SERVFAIL for …`, `TIMEOUT for …`). */
  error?: string;
}

export interface DnsCheckReport {
  domain: string;
  host: string;
  checkedAt: string;
  /** Records not found and right. */
  problems: number;
  records: CheckedRecord[];
  mtaStsPolicy: string | null;
  omitted: string[];
}

export interface CheckOptions {
  resolver?: DnsResolver;
  /** The longest one record's lookups may take, ms. */
  timeoutMs?: number;
  env?: HostEnv;
}

type Outcome = Pick<CheckedRecord, 'state' | 'found' | 'error'>;

const dot = (name: string) => `${name.replace(/\.$/, '').toLowerCase()}.`;

class Timeout extends Error {}

function deadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** NXDOMAIN/NODATA (and node:dns's ENOTFOUND/ENODATA) mean "not published"; anything else is a failed lookup. */
function absent(err: unknown): boolean {
  if (err instanceof DnsError) return err.permanent;
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

function failure(err: unknown): Outcome {
  if (absent(err)) return { state: 'missing', found: [] };
  const code = (err as NodeJS.ErrnoException)?.code;
  const message = err instanceof DnsError || err instanceof Timeout ? err.message : `DNS ${code ?? 'error'}: ${(err as Error)?.message ?? String(err)}`;
  return { state: 'failed', found: [], error: message };
}

/** Tag-value lists (DKIM, DMARC, MTA-STS, TLS-RPT): every expected tag present with the same value, spaces aside. */
function tagsOf(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ''));
  }
  return tags;
}

function txtMatches(expected: ExpectedRecord, found: string): boolean {
  if (expected.marker === 'v=spf1') return found.trim().replace(/\s+/g, ' ').toLowerCase() === expected.value.trim().replace(/\s+/g, ' ').toLowerCase();
  const want = tagsOf(expected.value);
  const have = tagsOf(found);
  return [...want].every(([tag, value]) => {
    const got = have.get(tag);
    // mailto: URIs and keywords compare without case; key material (p=) exactly.
    return got !== undefined && (tag === 'p' ? got === value : got.toLowerCase() === value.toLowerCase());
  });
}

function compare(expected: ExpectedRecord, found: string[], matches: (f: string) => boolean): Outcome {
  if (!found.length) return { state: 'missing', found };
  return { state: found.some(matches) ? 'right' : 'different', found };
}

async function checkTxt(r: DnsResolver, e: ExpectedRecord): Promise<Outcome> {
  const all = await r.txt(e.name);
  const marker = e.marker?.toLowerCase();
  const ours = marker ? all.filter((t) => t.trim().toLowerCase().startsWith(marker)) : all;
  const outcome = compare(e, ours, (f) => txtMatches(e, f));
  // RFC 7208 §4.5 (one SPF record) and RFC 7489 §6.6.3 (one DMARC record): two make it void.
  if (outcome.state === 'right' && marker && ours.length > 1) return { ...outcome, state: 'different', error: `${ours.length} ${e.marker} records: receivers ignore them all` };
  return outcome;
}

async function checkMx(r: DnsResolver, e: ExpectedRecord, host: string): Promise<Outcome> {
  const mx = await r.mx(e.name);
  return compare(e, mx.map((m) => `${m.priority} ${dot(m.exchange)}`), (f) => f.split(' ')[1] === dot(host));
}

async function checkAddress(r: DnsResolver, e: ExpectedRecord): Promise<Outcome> {
  const found = await r.addresses(e.name);
  return { state: found.length ? 'right' : 'missing', found };
}

/** Forward-confirmed reverse DNS: each address's PTR names a host whose addresses include it. */
async function checkFcrdns(r: DnsResolver, e: ExpectedRecord): Promise<Outcome> {
  const addresses = await r.addresses(e.name);
  const results = await Promise.all(
    addresses.map(async (ip) => {
      let names: string[];
      try {
        names = await r.ptr(ip);
      } catch (err) {
        if (absent(err)) return { ip, line: `${ip} → (no PTR)`, ok: false, missing: true };
        throw err;
      }
      const confirmed = await Promise.all(names.map((n) => r.addresses(n).then((a) => a.includes(ip), (err) => (absent(err) ? false : Promise.reject(err)))));
      return { ip, line: `${ip} → ${names.map(dot).join(', ')}${confirmed.some(Boolean) ? '' : ' (does not resolve back)'}`, ok: confirmed.some(Boolean), missing: false };
    }),
  );
  const found = results.map((x) => x.line);
  if (results.every((x) => x.missing)) return { state: 'missing', found };
  return { state: results.every((x) => x.ok) ? 'right' : 'different', found };
}

/** A CNAME to the host is right; so are address records equal to the host's own. */
async function checkAlias(r: DnsResolver, e: ExpectedRecord, host: string): Promise<Outcome> {
  try {
    const targets = (await r.resolve(e.name, 'CNAME')) as string[];
    return compare(e, targets.map(dot), (f) => f === dot(host));
  } catch (err) {
    if (!absent(err)) throw err;
  }
  const [mine, theirs] = await Promise.all([r.addresses(host).catch(() => [] as string[]), r.addresses(e.name)]);
  return { state: theirs.some((a) => mine.includes(a)) ? 'right' : 'different', found: theirs };
}

async function checkSrv(r: DnsResolver, e: ExpectedRecord): Promise<Outcome> {
  const records = (await r.resolve(e.name, 'SRV')) as { priority: number; weight: number; port: number; name: string }[];
  const [, , port, target] = e.value.split(' ');
  const found = records.map((s) => `${s.priority} ${s.weight} ${s.port} ${s.name && s.name !== '.' ? dot(s.name) : '.'}`);
  return compare(e, found, (f) => {
    const [, , p, t] = f.split(' ');
    // RFC 2782: for "not offered" only the target "." matters.
    return target === '.' ? t === '.' : p === port && t === target;
  });
}

async function checkTlsa(r: DnsResolver, e: ExpectedRecord): Promise<Outcome> {
  const answer = await r.tlsa(e.name);
  const outcome = compare(e, answer.records.map(tlsaRecordText), (f) => f === e.value);
  // The next certificate's record goes beside the current one (RFC 7671 §8.1): the current record alone means it is still missing.
  if (e.id.startsWith('tlsa-next:') && outcome.state === 'different') outcome.state = 'missing';
  // RFC 7672 §2.1: senders use TLSA only from a DNSSEC-validated answer.
  if (answer.records.length && !answer.authenticated) outcome.error = 'the answer is not DNSSEC-validated (no AD bit): senders ignore it';
  return outcome;
}

async function checkOne(r: DnsResolver, e: ExpectedRecord, host: string): Promise<Outcome> {
  switch (e.kind) {
    case 'mx':
      return checkMx(r, e, host);
    case 'address':
      return checkAddress(r, e);
    case 'fcrdns':
      return checkFcrdns(r, e);
    case 'txt':
      return checkTxt(r, e);
    case 'alias':
      return checkAlias(r, e, host);
    case 'srv':
      return checkSrv(r, e);
    case 'tlsa':
      return checkTlsa(r, e);
  }
}

/**
 * Each question asked once per check: the host's addresses serve the A/AAAA, reverse DNS and
 * alias records (and the PTR's way back), a port's TLSA name its current and next records.
 */
function askingOnce(r: DnsResolver): DnsResolver {
  const asked = new Map<string, Promise<unknown>>();
  const once = <T>(question: string, ask: () => Promise<T>): Promise<T> => {
    if (!asked.has(question)) asked.set(question, ask());
    return asked.get(question) as Promise<T>;
  };
  return {
    mx: (name) => once(`MX ${dot(name)}`, () => r.mx(name)),
    addresses: (host) => once(`A/AAAA ${dot(host)}`, () => r.addresses(host)),
    txt: (name) => once(`TXT ${dot(name)}`, () => r.txt(name)),
    tlsa: (name) => once(`TLSA ${dot(name)}`, () => r.tlsa(name)),
    ptr: (ip) => once(`PTR ${ip}`, () => r.ptr(ip)),
    resolve: (name, rrtype) => once(`${rrtype} ${dot(name)}`, () => r.resolve(name, rrtype)),
  };
}

/** Looks every record up at once; never throws for DNS trouble (that is a record's "failed" state). */
export async function checkRecords(expected: ExpectedRecords, options: { resolver: DnsResolver; timeoutMs?: number; now?: Date }): Promise<DnsCheckReport> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const resolver = askingOnce(options.resolver);
  const records = await Promise.all(
    expected.records.map(async (e): Promise<CheckedRecord> => {
      try {
        return { ...e, ...(await deadline(checkOne(resolver, e, expected.host), timeoutMs)) };
      } catch (err) {
        return { ...e, ...failure(err) };
      }
    }),
  );
  return {
    domain: expected.domain,
    host: expected.host,
    checkedAt: (options.now ?? new Date()).toISOString(),
    problems: records.filter((r) => r.state !== 'right').length,
    records,
    mtaStsPolicy: expected.mtaStsPolicy,
    omitted: expected.omitted,
  };
}

/** The resolver of POSTERN_DNS_SERVERS, answering within a check's deadline. */
export function checkResolver(timeoutMs = 3000): DnsResolver {
  return createResolver({ servers: parseDnsServers(readEnv().POSTERN_DNS_SERVERS), timeoutMs });
}

/** Checks a domain's records now and keeps the result as its last check. */
export async function checkDomainDns(db: Db, domainId: string, options: CheckOptions & { now?: Date } = {}): Promise<DnsCheckReport> {
  const expected = await expectedRecords(db, domainId, { env: options.env, now: options.now });
  const report = await checkRecords(expected, { resolver: options.resolver ?? checkResolver(), timeoutMs: options.timeoutMs, now: options.now });
  const row = { checkedAt: new Date(report.checkedAt), problems: report.problems, results: report as unknown as object };
  await db.dnsCheck.upsert({ where: { domainId }, create: { domainId, ...row }, update: row });
  return report;
}

/** The last check kept for a domain, or null when it was never checked. */
export async function lastDnsCheck(db: Db, domainId: string): Promise<DnsCheckReport | null> {
  const row = await db.dnsCheck.findUnique({ where: { domainId }, select: { results: true } });
  return row ? (row.results as unknown as DnsCheckReport) : null;
}
