// Over 300 lines: every read query behind the TLS pages, kept together so their SQL reads as one.
/**
 * Read side: everything the TLS page, the dashboard card, the JSON route and the CSV export show comes
 * from the aggregates (tls_daily_stats), never from message bodies.
 */
import type { Direction } from './record';
import type { Sql } from './sql';

export interface StatsFilter {
  /** first day, YYYY-MM-DD (UTC), inclusive */
  from: string;
  /** last day, YYYY-MM-DD (UTC), inclusive */
  to: string;
  /** the admin's scope: null = every domain (global admin) */
  scopeDomainIds: string[] | null;
  domainId?: string | null;
  mailboxId?: string | null;
  direction?: Direction | null;
}

export const WEAK_VERSIONS = ['none', 'unknown', 'SSLv3', 'TLSv1.0', 'TLSv1.1'];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function defaultRange(days = 30, now = new Date()): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/** WHERE clause and parameters for a filter; per-message counters unless the filter narrows to recipients. */
export function whereOf(f: StatsFilter, first = 1): { where: string; params: unknown[]; perMessage: boolean } {
  if (!DAY.test(f.from) || !DAY.test(f.to)) throw new Error('dates must be YYYY-MM-DD');
  const params: unknown[] = [f.from, f.to];
  const parts = [`day BETWEEN $${first}::date AND $${first + 1}::date`];
  const p = (v: unknown) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  if (f.scopeDomainIds) parts.push(`domain_id = ANY(${p(f.scopeDomainIds)}::uuid[])`);
  if (f.domainId) parts.push(`domain_id = ${p(f.domainId)}::uuid`);
  if (f.mailboxId) parts.push(`mailbox_id = ${p(f.mailboxId)}::uuid`);
  if (f.direction) parts.push(`direction = ${p(f.direction)}`);
  const perMessage = !f.scopeDomainIds && !f.domainId && !f.mailboxId;
  return { where: parts.join(' AND '), params, perMessage };
}

export interface DayPoint {
  day: string;
  messages: number;
  ourTls: number;
  pathTls: number;
}

export interface Overview {
  /** true: counts are messages; false: deliveries to the filtered domains/mailboxes */
  perMessage: boolean;
  totals: { messages: number; ourTls: number; pathTls: number };
  series: DayPoint[];
  versions: { version: string; messages: number }[];
  pathWeakest: { weakest: string; messages: number }[];
  ciphers: { version: string; cipher: string; messages: number }[];
  /** inbound senders whose hop to us was cleartext or below TLS 1.2 (messages = cleartext + belowTls12) */
  weakDomains: { senderDomain: string; messages: number; cleartext: number; belowTls12: number }[];
  weakIps: { clientIp: string; messages: number; cleartext: number; belowTls12: number }[];
}

const n = (v: unknown) => Number(v ?? 0);

function days(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 3700; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Our-hop versions the dashboard calls weak (cleartext, unknown, below TLS 1.2); literal for the index. */
const WEAK_IN = `('none','unknown','SSLv3','TLSv1.0','TLSv1.1')`;

export async function overview(sql: Sql, f: StatsFilter): Promise<Overview> {
  const { where, params, perMessage } = whereOf(f);
  const M = perMessage ? 'messages' : 'deliveries';
  const O = perMessage ? 'our_tls_messages' : 'our_tls_deliveries';
  const P = perMessage ? 'path_tls_messages' : 'path_tls_deliveries';
  // Without a mailbox filter the small per-day totals answer; the wide table only for a mailbox.
  const T = f.mailboxId ? 'tls_daily_stats' : 'tls_daily_totals';
  // Weak senders: the narrow weak-only table, or the wide one for a mailbox.
  const W = f.mailboxId ? 'tls_daily_stats' : 'tls_weak_senders';
  const weakList = (key: string) =>
    sql.query(
      `SELECT ${key} AS k, sum(${M})::bigint AS m,
              coalesce(sum(${M}) FILTER (WHERE tls_version = 'none'), 0)::bigint AS c,
              coalesce(sum(${M}) FILTER (WHERE tls_version <> 'none'), 0)::bigint AS w
         FROM ${W} WHERE ${where} AND direction = 'inbound' AND tls_version IN ${WEAK_IN}
        GROUP BY 1 ORDER BY 3 DESC, 4 DESC, 1 LIMIT 20`,
      params,
    );
  const [series, versions, weakest, ciphers, domains, ips] = await Promise.all([
    sql.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(${M})::bigint AS m, sum(${O})::bigint AS o, sum(${P})::bigint AS p
         FROM ${T} WHERE ${where} GROUP BY day ORDER BY day`,
      params,
    ),
    sql.query(`SELECT tls_version AS k, sum(${M})::bigint AS m FROM ${T} WHERE ${where} GROUP BY 1 ORDER BY 2 DESC`, params),
    sql.query(`SELECT path_weakest AS k, sum(${M})::bigint AS m FROM ${T} WHERE ${where} GROUP BY 1 ORDER BY 2 DESC`, params),
    sql.query(
      `SELECT tls_version AS v, cipher AS k, sum(${M})::bigint AS m FROM ${T}
        WHERE ${where} AND cipher <> '' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 20`,
      params,
    ),
    weakList('sender_domain'),
    weakList('client_ip'),
  ]);
  const byDay = new Map(series.rows.map((r) => [r.day as string, r]));
  const points: DayPoint[] = days(f.from, f.to).map((day) => {
    const r = byDay.get(day);
    return { day, messages: n(r?.m), ourTls: n(r?.o), pathTls: n(r?.p) };
  });
  const totals = points.reduce(
    (t, p) => ({ messages: t.messages + p.messages, ourTls: t.ourTls + p.ourTls, pathTls: t.pathTls + p.pathTls }),
    { messages: 0, ourTls: 0, pathTls: 0 },
  );
  return {
    perMessage,
    totals,
    series: points,
    versions: versions.rows.map((r) => ({ version: r.k, messages: n(r.m) })),
    pathWeakest: weakest.rows.map((r) => ({ weakest: r.k, messages: n(r.m) })),
    ciphers: ciphers.rows.map((r) => ({ version: r.v, cipher: r.k, messages: n(r.m) })),
    weakDomains: domains.rows.map((r) => ({ senderDomain: r.k, messages: n(r.m), cleartext: n(r.c), belowTls12: n(r.w) })),
    weakIps: ips.rows.map((r) => ({ clientIp: r.k, messages: n(r.m), cleartext: n(r.c), belowTls12: n(r.w) })),
  };
}

/** CSV rows of the filtered aggregates (one line per aggregate key, summed over the range). */
export async function exportRows(sql: Sql, f: StatsFilter): Promise<string> {
  const { where, params, perMessage } = whereOf(f);
  const M = perMessage ? 'messages' : 'deliveries';
  const O = perMessage ? 'our_tls_messages' : 'our_tls_deliveries';
  const P = perMessage ? 'path_tls_messages' : 'path_tls_deliveries';
  const rows = (
    await sql.query(
      `SELECT to_char(s.day, 'YYYY-MM-DD') AS day, s.direction, coalesce(d.name, '') AS domain, coalesce(mb.address, '') AS mailbox,
              s.sender_domain, s.client_ip, s.tls_version, s.cipher, s.path_weakest,
              sum(s.${M})::bigint AS messages, sum(s.${O})::bigint AS our_tls, sum(s.${P})::bigint AS path_tls
         FROM tls_daily_stats s
         LEFT JOIN domains d ON d.id = s.domain_id
         LEFT JOIN mailboxes mb ON mb.id = s.mailbox_id
        WHERE ${where.replace(/\b(day|domain_id|mailbox_id|direction)\b/g, 's.$1')}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ORDER BY 1, 10 DESC
        LIMIT 200000`,
      params,
    )
  ).rows;
  const header = ['day', 'direction', 'domain', 'mailbox', 'sender_domain', 'client_ip', 'our_tls_version', 'our_cipher', 'path_weakest', perMessage ? 'messages' : 'deliveries', 'our_hop_tls', 'whole_path_tls'];
  const esc = (v: unknown) => {
    const s = String(v ?? '');
    // CSV injection guard: spreadsheet formulas start with = + - @
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push(
      [r.day, r.direction, r.domain, r.mailbox, r.sender_domain, r.client_ip, r.tls_version, r.cipher, r.path_weakest, n(r.messages), n(r.our_tls), n(r.path_tls)]
        .map(esc)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

export interface ClientTlsRow {
  mailboxId: string;
  address: string;
  service: string;
  tlsVersion: string;
  cipher: string;
  clientIp: string;
  logins: number;
  lastAt: string;
}

/** Per mailbox, the TLS versions and ciphers its IMAP and submission logins used since `since`. */
export async function clientTls(
  sql: Sql,
  opts: { since: string; scopeDomainIds: string[] | null; mailboxId?: string | null; weakOnly?: boolean; limit?: number },
): Promise<ClientTlsRow[]> {
  const params: unknown[] = [opts.since];
  const parts = [`l.day >= $1::date`];
  if (opts.scopeDomainIds) {
    params.push(opts.scopeDomainIds);
    parts.push(`mb.domain_id = ANY($${params.length}::uuid[])`);
  }
  if (opts.mailboxId) {
    params.push(opts.mailboxId);
    parts.push(`l.mailbox_id = $${params.length}::uuid`);
  }
  if (opts.weakOnly) parts.push(`l.tls_version = ANY(ARRAY['none','unknown','SSLv3','TLSv1.0','TLSv1.1'])`);
  params.push(opts.limit ?? 500);
  const rows = (
    await sql.query(
      `SELECT l.mailbox_id::text AS mailbox_id, mb.address, l.service, l.tls_version, l.cipher, l.client_ip,
              sum(l.logins)::bigint AS logins, max(l.last_at) AS last_at
         FROM tls_client_logins l JOIN mailboxes mb ON mb.id = l.mailbox_id
        WHERE ${parts.join(' AND ')}
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY (l.tls_version = 'none') DESC, l.tls_version, max(l.last_at) DESC
        LIMIT $${params.length}::int`,
      params,
    )
  ).rows;
  return rows.map((r) => ({
    mailboxId: r.mailbox_id,
    address: r.address,
    service: r.service,
    tlsVersion: r.tls_version,
    cipher: r.cipher,
    clientIp: r.client_ip,
    logins: n(r.logins),
    lastAt: new Date(r.last_at).toISOString(),
  }));
}

export interface HopChainView {
  blobId: string;
  queueId: string;
  receivedAt: string;
  direction: string;
  senderDomain: string;
  our: {
    clientIp: string;
    helo: string | null;
    clientName: string | null;
    tlsVersion: string;
    cipher: string | null;
    bits: number | null;
    mode: string | null;
    sni: string | null;
    protocol: string | null;
  };
  pathTls: boolean;
  pathWeakest: string;
  claimed: import('./path').StoredHop[];
}

/** The stored hop chain of one message (by blob), with our hop's receipt facts. */
export async function hopChainOf(sql: Sql, blobId: string): Promise<HopChainView | null> {
  const r = (
    await sql.query(
      `SELECT c.blob_id::text AS blob_id, c.queue_id, c.received_at, c.direction, c.sender_domain, c.client_ip,
              c.our_tls_version, c.our_cipher, c.our_bits, c.our_tls_mode, c.path_tls, c.path_weakest, c.hops,
              r.helo, r.client_name, r.tls_sni, r.protocol
         FROM tls_hop_chains c LEFT JOIN smtp_receipts r ON r.queue_id = c.queue_id
        WHERE c.blob_id = $1::uuid`,
      [blobId],
    )
  ).rows[0];
  if (!r) return null;
  return {
    blobId: r.blob_id,
    queueId: r.queue_id,
    receivedAt: new Date(r.received_at).toISOString(),
    direction: r.direction,
    senderDomain: r.sender_domain,
    our: {
      clientIp: r.client_ip,
      helo: r.helo ?? null,
      clientName: r.client_name ?? null,
      tlsVersion: r.our_tls_version,
      cipher: r.our_cipher,
      bits: r.our_bits === null ? null : Number(r.our_bits),
      mode: r.our_tls_mode,
      sni: r.tls_sni ?? null,
      protocol: r.protocol ?? null,
    },
    pathTls: r.path_tls,
    pathWeakest: r.path_weakest,
    claimed: typeof r.hops === 'string' ? JSON.parse(r.hops) : r.hops,
  };
}

// ---- Outbound: how our own deliveries to other servers went (outbound_attempts) ----

export const VERIFIED_KINDS = ['dane', 'mta-sts', 'pkix'] as const;
export const VERIFICATION_KINDS = ['dane', 'mta-sts', 'pkix', 'unverified', 'none'] as const;

export interface OutboundDomainRow {
  domain: string;
  attempts: number;
  /** recipients delivered (outcome "sent") */
  sent: number;
  sentTls: number;
  sentVerified: number;
  /** the TLS version of the latest attempt the server answered ("none": cleartext), null if none answered */
  lastTlsVersion: string | null;
  lastAt: string;
}

export interface OutboundOverview {
  totals: { attempts: number; sent: number; messages: number; sentTls: number; sentVerified: number };
  /** per verification kind (VERIFICATION_KINDS order, zeros included): attempts and recipients delivered */
  verification: { kind: string; attempts: number; sent: number }[];
  /** destinations by recipients delivered, then attempts */
  domains: OutboundDomainRow[];
  /** destinations that answered us but never over TLS in the period */
  cleartextOnly: OutboundDomainRow[];
}

// The period as a half-open timestamptz range in UTC: constants, so started_at's indexes apply.
const RANGE = `started_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND started_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;
const SENT = `outcome = 'sent'`;
const TLS = `tls_version IS NOT NULL AND tls_version <> 'none'`;
const VERIFIED = `tls_verification IN ('dane','mta-sts','pkix')`;
// The remote server answered (a delivery or an SMTP reply): it was reached, with or without TLS.
const REACHED = `(${SENT} OR code IS NOT NULL)`;

/** The two statements behind outboundOverview, exported so a test can EXPLAIN them. */
export const OUTBOUND_SQL = {
  totals: `SELECT grouping(tls_verification) AS g, tls_verification AS v,
                  count(*)::bigint AS attempts,
                  count(*) FILTER (WHERE ${SENT})::bigint AS sent,
                  count(DISTINCT queue_id) FILTER (WHERE ${SENT})::bigint AS messages,
                  count(*) FILTER (WHERE ${SENT} AND ${TLS})::bigint AS sent_tls,
                  count(*) FILTER (WHERE ${SENT} AND ${VERIFIED})::bigint AS sent_verified
             FROM outbound_attempts WHERE ${RANGE}
            GROUP BY GROUPING SETS ((), (tls_verification))`,
  domains: `WITH d AS (
              SELECT domain,
                     count(*)::bigint AS attempts,
                     count(*) FILTER (WHERE ${SENT})::bigint AS sent,
                     count(*) FILTER (WHERE ${SENT} AND ${TLS})::bigint AS sent_tls,
                     count(*) FILTER (WHERE ${SENT} AND ${VERIFIED})::bigint AS sent_verified,
                     count(*) FILTER (WHERE ${REACHED})::bigint AS reached,
                     count(*) FILTER (WHERE ${TLS})::bigint AS any_tls,
                     (array_agg(coalesce(tls_version, 'none') ORDER BY started_at DESC) FILTER (WHERE ${REACHED}))[1] AS last_version,
                     max(started_at) AS last_at
                FROM outbound_attempts WHERE ${RANGE}
               GROUP BY domain)
            (SELECT 'top' AS list, * FROM d ORDER BY sent DESC, attempts DESC, domain LIMIT $3::int)
            UNION ALL
            (SELECT 'clear' AS list, * FROM d WHERE reached > 0 AND any_tls = 0 ORDER BY reached DESC, domain LIMIT $4::int)`,
};

/**
 * Outbound TLS over [from, to] (UTC days): attempts, deliveries, the shares over TLS and
 * with a verified certificate, by verification kind, per destination, and the
 * destinations we could only reach in cleartext. Two statements on outbound_attempts,
 * both bounded by started_at (its index, or (domain, started_at) for the per-domain one).
 * Server-wide: outbound attempts belong to no local domain.
 */
export async function outboundOverview(sql: Sql, f: { from: string; to: string; limit?: number }): Promise<OutboundOverview> {
  if (!DAY.test(f.from) || !DAY.test(f.to)) throw new Error('dates must be YYYY-MM-DD');
  const limit = Math.min(Math.max(f.limit ?? 20, 1), 500);
  const [totals, domains] = await Promise.all([
    sql.query(OUTBOUND_SQL.totals, [f.from, f.to]),
    sql.query(OUTBOUND_SQL.domains, [f.from, f.to, limit, limit]),
  ]);
  const all = totals.rows.find((r) => n(r.g) === 1);
  const byKind = new Map(totals.rows.filter((r) => n(r.g) === 0).map((r) => [r.v as string, r]));
  const kinds = [...VERIFICATION_KINDS, ...[...byKind.keys()].filter((k) => !(VERIFICATION_KINDS as readonly string[]).includes(k)).sort()];
  const row = (r: Record<string, unknown>): OutboundDomainRow => ({
    domain: r.domain as string,
    attempts: n(r.attempts),
    sent: n(r.sent),
    sentTls: n(r.sent_tls),
    sentVerified: n(r.sent_verified),
    lastTlsVersion: (r.last_version as string | null) ?? null,
    lastAt: new Date(r.last_at as string).toISOString(),
  });
  return {
    totals: {
      attempts: n(all?.attempts),
      sent: n(all?.sent),
      messages: n(all?.messages),
      sentTls: n(all?.sent_tls),
      sentVerified: n(all?.sent_verified),
    },
    verification: kinds.map((kind) => ({ kind, attempts: n(byKind.get(kind)?.attempts), sent: n(byKind.get(kind)?.sent) })),
    domains: domains.rows.filter((r) => r.list === 'top').map(row),
    cleartextOnly: domains.rows.filter((r) => r.list === 'clear').map(row),
  };
}
