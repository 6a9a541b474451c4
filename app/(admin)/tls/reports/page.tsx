import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, CardTitle, Stat } from '@/components/ui/card';
import { DomainName } from '@/components/ui/domain-name';
import { EmptyState } from '@/components/ui/filters';
import { BackLink } from '@/components/ui/back-link';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getTlsReports, REPORT_PERIODS, type ReportPeriod } from '@/lib/dal/tls';
import { formatShare } from '@/components/ui/format';
import { firstParam } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'TLS reports received' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Sessions that reached us over TLS (green) against those that failed (red), as one bar. */
function SessionBar({ success, failure }: { success: number; failure: number }) {
  const total = success + failure;
  if (!total) return null;
  return (
    <div className="flex h-2 w-40 overflow-hidden rounded bg-border" role="img" aria-label={`${formatShare(success, total)} over TLS`}>
      <div className="bg-emerald-500" style={{ width: `${(100 * success) / total}%` }} />
      <div className="bg-red-500" style={{ width: `${(100 * failure) / total}%` }} />
    </div>
  );
}

export default async function TlsReportsPage({ searchParams }: Props) {
  const sp = await searchParams;
  const asked = Number(firstParam(sp.days));
  const days: ReportPeriod = (REPORT_PERIODS as readonly number[]).includes(asked) ? (asked as ReportPeriod) : 30;
  const summary = await getTlsReports(days);
  return (
    <>
      <BackLink href="/tls">TLS</BackLink>
      <PageHeader
        title="TLS reports received"
        description="What other mail servers saw when they delivered to us (RFC 8460 TLS-RPT): sessions over TLS, and for those that failed, who and why. Reports are read from the mailbox the policy's TLS-RPT address names."
      />
      <nav className="mb-4 flex gap-3 text-sm" aria-label="Period">
        {REPORT_PERIODS.map((d) => (
          <Link key={d} href={`/tls/reports?days=${d}`} aria-current={d === days ? 'page' : undefined} className={d === days ? 'font-semibold' : 'text-accent hover:underline'}>
            Last {d} days
          </Link>
        ))}
      </nav>
      <div className="mb-6 grid gap-4 sm:grid-cols-3">
        <Stat label="Reports" value={summary.reports} />
        <Stat label="Sessions over TLS" value={summary.success} hint={formatShare(summary.success, summary.success + summary.failure)} />
        <Stat label="Failed sessions" value={summary.failure} />
      </div>
      {summary.reports === 0 ? (
        <EmptyState testId="tls-reports-empty">No TLS reports in this period. Reports come once a day from senders that support TLS-RPT, after the domain publishes its _smtp._tls record.</EmptyState>
      ) : (
        <>
          <Card className="mb-6">
            <CardTitle>Reporters</CardTitle>
            <Table data-testid="tls-reporters">
              <thead>
                <tr>
                  <Th>Reporter</Th>
                  <Th>Our domain</Th>
                  <Th>Reports</Th>
                  <Th>Over TLS</Th>
                  <Th>Failed</Th>
                  <Th>Share</Th>
                </tr>
              </thead>
              <tbody>
                {summary.reporters.map((r) => (
                  <tr key={`${r.organization} ${r.policyDomain}`}>
                    <Td>{r.organization}</Td>
                    <Td>
                      <DomainName name={r.policyDomain} />
                    </Td>
                    <Td className="tabular-nums">{r.reports}</Td>
                    <Td className="tabular-nums">{r.success}</Td>
                    <Td className="tabular-nums">{r.failure}</Td>
                    <Td>
                      <SessionBar success={r.success} failure={r.failure} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </Card>
          <Card>
            <CardTitle>Why sessions failed</CardTitle>
            {summary.failures.length === 0 ? (
              <p className="mt-2 text-sm text-muted">No failures reported.</p>
            ) : (
              <Table data-testid="tls-report-failures">
                <thead>
                  <tr>
                    <Th>Reporter</Th>
                    <Th>Our domain</Th>
                    <Th>Result</Th>
                    <Th>Sessions</Th>
                    <Th>Sending servers</Th>
                    <Th>Our MX</Th>
                  </tr>
                </thead>
                <tbody>
                  {summary.failures.map((f) => (
                    <tr key={`${f.organization} ${f.policyDomain} ${f.resultType}`}>
                      <Td>{f.organization}</Td>
                      <Td>
                        <DomainName name={f.policyDomain} />
                      </Td>
                      <Td className="font-mono text-xs">{f.resultType}</Td>
                      <Td className="tabular-nums">{f.sessions}</Td>
                      <Td className="break-all font-mono text-xs">{f.sendingIps.join(', ')}</Td>
                      <Td className="break-all font-mono text-xs">{f.receivingMx.join(', ')}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </Card>
        </>
      )}
    </>
  );
}
