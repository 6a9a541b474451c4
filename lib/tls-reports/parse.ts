import { z } from 'zod';

// RFC 8460 §4.4: the JSON report another server sends about its attempts to reach us over TLS
// in one day. Parsed strictly where we rely on a field, loosely elsewhere (reporters add fields).

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().max(max);

const failureDetail = z
  .object({
    'result-type': text(100),
    'sending-mta-ip': text(64).optional(),
    'receiving-mx-hostname': text(253).optional(),
    'receiving-mx-helo': text(253).optional(),
    'receiving-ip': text(64).optional(),
    'failed-session-count': count,
    'additional-information': text(2000).optional(),
    'failure-reason-code': text(500).optional(),
  })
  .passthrough();

const policy = z
  .object({
    policy: z
      .object({
        'policy-type': z.enum(['tlsa', 'sts', 'no-policy-found']),
        'policy-string': z.array(text(2000)).max(100).optional(),
        'policy-domain': text(253),
        'mx-host': z.union([text(253), z.array(text(253)).max(100)]).optional(),
      })
      .passthrough(),
    summary: z.object({ 'total-successful-session-count': count, 'total-failure-session-count': count }).passthrough(),
    'failure-details': z.array(failureDetail).max(1000).optional(),
  })
  .passthrough();

const report = z
  .object({
    'organization-name': text(500),
    'date-range': z.object({ 'start-datetime': z.iso.datetime({ offset: true }), 'end-datetime': z.iso.datetime({ offset: true }) }),
    'contact-info': text(500).optional(),
    'report-id': text(500),
    policies: z.array(policy).min(1).max(1000),
  })
  .passthrough();

export interface TlsReportFailure {
  resultType: string;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingIp: string | null;
  failedSessions: number;
  reasonCode: string | null;
}

/** One row per policy domain the report covers. */
export interface ParsedTlsReport {
  organization: string;
  reportId: string;
  contactInfo: string | null;
  startAt: Date;
  endAt: Date;
  policyDomain: string;
  policyType: 'tlsa' | 'sts' | 'no-policy-found';
  successCount: number;
  failureCount: number;
  failures: TlsReportFailure[];
}

export type TlsReportParse = { ok: true; reports: ParsedTlsReport[] } | { ok: false; error: string };

export function parseTlsReport(json: string): TlsReportParse {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = report.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue.path.join('.') || 'report'}: ${issue.message}` };
  }
  const r = parsed.data;
  return {
    ok: true,
    reports: r.policies.map((p) => ({
      organization: r['organization-name'],
      reportId: r['report-id'],
      contactInfo: r['contact-info'] ?? null,
      startAt: new Date(r['date-range']['start-datetime']),
      endAt: new Date(r['date-range']['end-datetime']),
      policyDomain: p.policy['policy-domain'].toLowerCase().replace(/\.$/, ''),
      policyType: p.policy['policy-type'],
      successCount: p.summary['total-successful-session-count'],
      failureCount: p.summary['total-failure-session-count'],
      failures: (p['failure-details'] ?? []).map((f) => ({
        resultType: f['result-type'],
        sendingMtaIp: f['sending-mta-ip'] ?? null,
        receivingMxHostname: f['receiving-mx-hostname'] ?? null,
        receivingIp: f['receiving-ip'] ?? null,
        failedSessions: f['failed-session-count'],
        reasonCode: f['failure-reason-code'] ?? null,
      })),
    })),
  };
}
