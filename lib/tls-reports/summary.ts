import { Prisma } from '@/lib/generated/prisma/client';
import { domainScope, type Actor } from '@/lib/actor';
import type { Db } from '@/lib/db/prisma';

// What the TLS page shows of the reports received: how many sessions other servers opened to
// us with TLS and without, and, for the failures, who failed and why (RFC 8460 §4.3 result
// types such as starttls-not-supported, certificate-expired, sts-policy-invalid).

export const REPORT_PERIODS = [7, 30, 90] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export interface ReporterRow {
  organization: string;
  policyDomain: string;
  reports: number;
  success: number;
  failure: number;
}

export interface FailureRow {
  organization: string;
  policyDomain: string;
  resultType: string;
  sessions: number;
  /** Some of the sending servers and our MX names the failures name (at most 5 each). */
  sendingIps: string[];
  receivingMx: string[];
}

export interface TlsReportSummary {
  days: ReportPeriod;
  reports: number;
  success: number;
  failure: number;
  reporters: ReporterRow[];
  failures: FailureRow[];
}

/** A domain admin sees the reports about its own domains. */
async function scopeCondition(db: Db, actor: Actor): Promise<Prisma.Sql> {
  const scope = domainScope(actor);
  if (!scope) return Prisma.sql`TRUE`;
  const names = (await db.domain.findMany({ where: { id: { in: scope } }, select: { name: true } })).map((d) => d.name);
  return names.length ? Prisma.sql`policy_domain IN (${Prisma.join(names)})` : Prisma.sql`FALSE`;
}

export async function tlsReportSummary(db: Db, actor: Actor, days: ReportPeriod): Promise<TlsReportSummary> {
  const where = Prisma.sql`start_at >= now() - make_interval(days => ${days}) AND ${await scopeCondition(db, actor)}`;
  const [[totals], reporters, failures] = await Promise.all([
    db.$queryRaw<{ reports: bigint; success: bigint | null; failure: bigint | null }[]>`
      SELECT count(*) AS reports, sum(success_count)::bigint AS success, sum(failure_count)::bigint AS failure FROM tls_reports WHERE ${where}`,
    db.$queryRaw<{ organization: string; policy_domain: string; reports: bigint; success: bigint; failure: bigint }[]>`
      SELECT organization, policy_domain, count(*) AS reports, sum(success_count)::bigint AS success, sum(failure_count)::bigint AS failure
        FROM tls_reports WHERE ${where}
       GROUP BY organization, policy_domain ORDER BY sum(failure_count) DESC, sum(success_count) DESC LIMIT 200`,
    db.$queryRaw<{ organization: string; policy_domain: string; result_type: string; sessions: bigint; sending_ips: string[]; receiving_mx: string[] }[]>`
      SELECT organization, policy_domain, f->>'resultType' AS result_type, sum((f->>'failedSessions')::bigint)::bigint AS sessions,
             (array_agg(DISTINCT f->>'sendingMtaIp') FILTER (WHERE f->>'sendingMtaIp' IS NOT NULL))[1:5] AS sending_ips,
             (array_agg(DISTINCT f->>'receivingMxHostname') FILTER (WHERE f->>'receivingMxHostname' IS NOT NULL))[1:5] AS receiving_mx
        FROM tls_reports, jsonb_array_elements(report->'failures') AS f
       WHERE ${where}
       GROUP BY organization, policy_domain, f->>'resultType' ORDER BY sessions DESC LIMIT 200`,
  ]);
  const rows = reporters.map((r) => ({
    organization: r.organization,
    policyDomain: r.policy_domain,
    reports: Number(r.reports),
    success: Number(r.success),
    failure: Number(r.failure),
  }));
  return {
    days,
    // Over every report of the period: the tables below show at most 200 rows each.
    reports: Number(totals.reports),
    success: Number(totals.success ?? 0),
    failure: Number(totals.failure ?? 0),
    reporters: rows,
    failures: failures.map((f) => ({
      organization: f.organization,
      policyDomain: f.policy_domain,
      resultType: f.result_type,
      sessions: Number(f.sessions),
      sendingIps: f.sending_ips ?? [],
      receivingMx: f.receiving_mx ?? [],
    })),
  };
}
