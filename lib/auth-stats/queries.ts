/**
 * Email authentication on arrival, summed over smtp_receipts: mail accepted on the MX port in a
 * period (UTC days), how much of it passed SPF, DKIM and DMARC (RFC 8601 result keywords as the
 * daemon stored them), per RFC 5322 From domain, and how much went to Junk. Every statement is
 * bounded by received_at (its index), or by (from_domain, received_at) for one sending domain.
 */
import type { Sql } from '@/lib/tls-stats/sql';

export interface AuthStatsFilter {
  /** first day, YYYY-MM-DD (UTC), inclusive */
  from: string;
  /** last day, YYYY-MM-DD (UTC), inclusive */
  to: string;
  /**
   * A domain admin's domain names: only mail to a recipient at one of them counts (the same mail
   * the TLS statistics count for that admin). null = every receipt (global admin).
   */
  scopeDomainNames: string[] | null;
  /** one sending domain (RFC 5322 From), lower-case */
  fromDomain?: string | null;
  /** rows per domain list (default 20, at most 500) */
  limit?: number;
}

export interface AuthCounts {
  /** accepted on the MX port */
  messages: number;
  /** of those, checked (authChecks on: the results are not null) */
  checked: number;
  spfPass: number;
  dkimPass: number;
  dmarcPass: number;
  /** DMARC fail, or neither SPF nor DKIM passed */
  failed: number;
  junk: number;
}

export interface AuthDayPoint extends AuthCounts {
  day: string;
}

export interface AuthDomainRow extends AuthCounts {
  /** "" when the message had no single From domain */
  fromDomain: string;
  dmarcFail: number;
}

export interface AuthOverview {
  totals: AuthCounts;
  series: AuthDayPoint[];
  /** sending domains by messages */
  domains: AuthDomainRow[];
  /** sending domains with failures, most failures first */
  failing: AuthDomainRow[];
  /** why mail went to Junk (disposition_reason), most first */
  junkReasons: { reason: string; messages: number }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const n = (v: unknown) => Number(v ?? 0);

// A message "fails" when its sender's DMARC policy was violated, or when nothing authenticated it.
const FAILED = `(dmarc_result = 'fail' OR (spf_result IS NOT NULL AND spf_result <> 'pass' AND dkim_result IS DISTINCT FROM 'pass'))`;

const COUNTS = `count(*)::bigint AS messages,
       count(*) FILTER (WHERE spf_result IS NOT NULL)::bigint AS checked,
       count(*) FILTER (WHERE spf_result = 'pass')::bigint AS spf_pass,
       count(*) FILTER (WHERE dkim_result = 'pass')::bigint AS dkim_pass,
       count(*) FILTER (WHERE dmarc_result = 'pass')::bigint AS dmarc_pass,
       count(*) FILTER (WHERE ${FAILED})::bigint AS failed,
       count(*) FILTER (WHERE disposition = 'junk')::bigint AS junk`;

/** The WHERE clause of every statement: the period as constants (so the index applies), MX only, the scope. */
function authWhere(f: AuthStatsFilter): { where: string; params: unknown[] } {
  if (!DAY.test(f.from) || !DAY.test(f.to)) throw new Error('dates must be YYYY-MM-DD');
  const params: unknown[] = [f.from, f.to];
  const parts = [
    `received_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'`,
    `received_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`,
    `listener = 'mx'`,
  ];
  if (f.scopeDomainNames) {
    params.push(f.scopeDomainNames);
    parts.push(`EXISTS (SELECT 1 FROM unnest(rcpts) AS x(rcpt) WHERE lower(substring(x.rcpt from '@([^@]*)$')) = ANY($${params.length}::text[]))`);
  }
  if (f.fromDomain) {
    params.push(f.fromDomain);
    parts.push(`from_domain = $${params.length}`);
  }
  return { where: parts.join(' AND '), params };
}

function counts(r: Record<string, unknown> | undefined): AuthCounts {
  return {
    messages: n(r?.messages),
    checked: n(r?.checked),
    spfPass: n(r?.spf_pass),
    dkimPass: n(r?.dkim_pass),
    dmarcPass: n(r?.dmarc_pass),
    failed: n(r?.failed),
    junk: n(r?.junk),
  };
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 3700; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The statements behind authOverview, exported so a test can EXPLAIN them. */
export function authStatements(f: AuthStatsFilter) {
  const { where, params } = authWhere(f);
  const limit = Math.min(Math.max(f.limit ?? 20, 1), 500);
  const l = params.length;
  return {
    series: {
      text: `SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${COUNTS}
               FROM smtp_receipts WHERE ${where} GROUP BY 1 ORDER BY 1`,
      params,
    },
    domains: {
      text: `WITH d AS (
               SELECT coalesce(from_domain, '') AS from_domain, ${COUNTS},
                      count(*) FILTER (WHERE dmarc_result = 'fail')::bigint AS dmarc_fail
                 FROM smtp_receipts WHERE ${where} GROUP BY 1)
             (SELECT 'top' AS list, * FROM d ORDER BY messages DESC, from_domain LIMIT $${l + 1}::int)
             UNION ALL
             (SELECT 'failing' AS list, * FROM d WHERE failed > 0 ORDER BY failed DESC, messages DESC, from_domain LIMIT $${l + 1}::int)`,
      params: [...params, limit],
    },
    junk: {
      text: `SELECT coalesce(disposition_reason, '') AS reason, count(*)::bigint AS messages
               FROM smtp_receipts WHERE ${where} AND disposition = 'junk' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`,
      params,
    },
  };
}

export async function authOverview(sql: Sql, f: AuthStatsFilter): Promise<AuthOverview> {
  const s = authStatements(f);
  const [series, domains, junk] = await Promise.all([
    sql.query(s.series.text, s.series.params),
    sql.query(s.domains.text, s.domains.params),
    sql.query(s.junk.text, s.junk.params),
  ]);
  const byDay = new Map(series.rows.map((r) => [r.day as string, r]));
  const points = days(f.from, f.to).map((day) => ({ day, ...counts(byDay.get(day)) }));
  const totals = points.reduce(
    (t, p) => {
      for (const k of Object.keys(t) as (keyof AuthCounts)[]) t[k] += p[k];
      return t;
    },
    counts(undefined),
  );
  const row = (r: Record<string, unknown>): AuthDomainRow => ({ fromDomain: r.from_domain as string, ...counts(r), dmarcFail: n(r.dmarc_fail) });
  return {
    totals,
    series: points,
    domains: domains.rows.filter((r) => r.list === 'top').map(row),
    failing: domains.rows.filter((r) => r.list === 'failing').map(row),
    junkReasons: junk.rows.map((r) => ({ reason: r.reason as string, messages: n(r.messages) })),
  };
}
