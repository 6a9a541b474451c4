import type { Metadata } from 'next';
import Link from 'next/link';
import { AuthShareChart } from '@/components/auth/auth-charts';
import { DomainName } from '@/components/ui/domain-name';
import { PeriodField, PeriodFilters, periodControl } from '@/components/tls/period-filters';
import { Alert } from '@/components/ui/alert';
import { buttonClass } from '@/components/ui/button';
import { Card, CardTitle, Stat } from '@/components/ui/card';
import { BackLink } from '@/components/ui/back-link';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAuthenticationOverview, type AuthDomainRow } from '@/lib/dal/tls';
import { firstParam } from '@/lib/forms/search-params';
import { formatShare } from '@/components/ui/format';

export const metadata: Metadata = { title: 'Authentication' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function AuthenticationPage({ searchParams }: Props) {
  const sp = await searchParams;
  const input = { from: firstParam(sp.from), to: firstParam(sp.to), sender: firstParam(sp.sender) };
  const { overview: o, values, error } = await getAuthenticationOverview(input);
  const t = o.totals;
  const qs = new URLSearchParams(Object.entries(values).filter(([, v]) => v)).toString();

  return (
    <>
      <BackLink href="/tls">TLS</BackLink>
      <PageHeader
        title="Authentication"
        description="Mail accepted on the MX port: how much passed SPF, DKIM and DMARC when it arrived (our own Authentication-Results), per sending domain, and how much went to Junk."
        actions={
          <a href={`/api/authentication/stats?${qs}`} className={buttonClass('secondary', 'sm')}>
            JSON
          </a>
        }
      />
      <PeriodFilters from={values.from} to={values.to} testId="auth-filters">
        <PeriodField label="Sending domain">
          <input name="sender" defaultValue={values.sender} placeholder="all" className={periodControl} />
        </PeriodField>
      </PeriodFilters>
      {error ? (
        <div className="mb-4">
          <Alert tone="danger">{error}</Alert>
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <Stat
          label="Messages (MX)"
          value={<span data-testid="auth-messages">{t.messages.toLocaleString('en')}</span>}
          hint={`${values.from} – ${values.to}; ${t.checked.toLocaleString('en')} checked`}
        />
        <Stat label="SPF pass" value={<span data-testid="share-spf">{formatShare(t.spfPass, t.checked)}</span>} hint="of checked messages (RFC 7208)" />
        <Stat label="DKIM pass" value={<span data-testid="share-dkim">{formatShare(t.dkimPass, t.checked)}</span>} hint="at least one valid signature (RFC 6376)" />
        <Stat label="DMARC pass" value={<span data-testid="share-dmarc">{formatShare(t.dmarcPass, t.checked)}</span>} hint="aligned SPF or DKIM (RFC 7489)" />
        <Stat label="To Junk" value={<span data-testid="share-junk">{formatShare(t.junk, t.messages)}</span>} hint={`${t.junk.toLocaleString('en')} ${t.junk === 1 ? 'message' : 'messages'}`} />
      </div>

      <Card className="mt-4">
        <CardTitle>Share passing per day (checked messages)</CardTitle>
        <AuthShareChart series={o.series} />
      </Card>

      <Card className="mt-4">
        <CardTitle>Sending domains (RFC 5322 From)</CardTitle>
        {o.domains.length === 0 ? <p className="mt-2 text-sm text-muted">No mail in this range.</p> : <DomainTable rows={o.domains} testId="auth-domains" />}
      </Card>

      <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Failing domains</CardTitle>
          <p className="mt-1 text-xs text-muted">A message fails when its DMARC check failed, or when neither SPF nor DKIM passed.</p>
          {o.failing.length === 0 ? <p className="mt-2 text-sm text-muted">None in this range.</p> : <DomainTable rows={o.failing} testId="auth-failing" failures />}
        </Card>
        <Card>
          <CardTitle>Why mail went to Junk</CardTitle>
          {o.junkReasons.length === 0 ? (
            <p className="mt-2 text-sm text-muted">Nothing went to Junk in this range.</p>
          ) : (
            <div className="mt-2">
              <Table data-testid="auth-junk">
                <thead>
                  <tr>
                    <Th>Reason</Th>
                    <Th className="text-right">Messages</Th>
                  </tr>
                </thead>
                <tbody>
                  {o.junkReasons.map((r) => (
                    <tr key={r.reason}>
                      <Td className="font-mono text-xs">{r.reason || '(not stated)'}</Td>
                      <Td className="text-right tabular-nums">{r.messages}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

function DomainTable({ rows, testId, failures = false }: { rows: AuthDomainRow[]; testId: string; failures?: boolean }) {
  return (
    <div className="mt-2">
      <Table data-testid={testId}>
        <thead>
          <tr>
            <Th>Domain</Th>
            <Th className="text-right">Messages</Th>
            {failures ? <Th className="text-right">Failing</Th> : null}
            <Th className="text-right">SPF pass</Th>
            <Th className="text-right">DKIM pass</Th>
            <Th className="text-right">DMARC pass</Th>
            <Th className="text-right">Junk</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.fromDomain} data-domain={r.fromDomain}>
              <Td className="break-words">
                {r.fromDomain ? (
                  <Link href={`/tls/authentication?sender=${encodeURIComponent(r.fromDomain)}`} className="text-accent hover:underline">
                    <DomainName name={r.fromDomain} />
                  </Link>
                ) : (
                  <span className="text-muted">(no single From domain)</span>
                )}
              </Td>
              <Td className="text-right tabular-nums">{r.messages}</Td>
              {failures ? <Td className="text-right tabular-nums">{r.failed}</Td> : null}
              <Td className="text-right tabular-nums">{formatShare(r.spfPass, r.checked)}</Td>
              <Td className="text-right tabular-nums">{formatShare(r.dkimPass, r.checked)}</Td>
              <Td className="text-right tabular-nums">{formatShare(r.dmarcPass, r.checked)}</Td>
              <Td className="text-right tabular-nums">{r.junk}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
