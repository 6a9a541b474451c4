import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { DomainName } from '@/components/ui/domain-name';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getDomainDnsView } from '@/lib/dal/dns';
import type { CheckedRecord, ExpectedRecord } from '@/lib/dns-records';
import { DnsMark } from '../dns-mark';
import { CopyButton } from '@/components/ui/copy-button';
import { CheckNowButton } from './dns-controls';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `DNS · ${decodeURIComponent((await params).name)}` };
}

const STATE: Record<CheckedRecord['state'] | 'unchecked', { label: string; tone: 'ok' | 'warn' | 'danger' | 'neutral' }> = {
  right: { label: '✓ right', tone: 'ok' },
  different: { label: 'different', tone: 'warn' },
  missing: { label: 'missing', tone: 'danger' },
  failed: { label: 'lookup failed', tone: 'danger' },
  unchecked: { label: 'not checked', tone: 'neutral' },
};

function Value({ children }: { children: React.ReactNode }) {
  return <code className="block max-w-xl break-all font-mono text-xs">{children}</code>;
}

function Row({ record, check }: { record: ExpectedRecord; check: CheckedRecord | undefined }) {
  const state = check?.state ?? 'unchecked';
  const s = STATE[state];
  return (
    <tr data-record={record.id} data-state={state}>
      <Td className="align-top">
        <Badge tone={s.tone}>{s.label}</Badge>
      </Td>
      <Td className="align-top">
        <div className="font-mono text-xs">
          <span className="font-semibold">{record.type}</span> {record.name}
        </div>
        <p className="mt-1 max-w-sm text-xs text-muted">{record.purpose}</p>
        <p className="mt-0.5 text-xs text-muted">{record.rfc}</p>
      </Td>
      <Td className="align-top">
        <div className="flex items-start gap-2">
          <Value>{record.value}</Value>
          {record.kind === 'address' ? null : <CopyButton text={record.value} label={`${record.type} ${record.name}`} />}
        </div>
        {record.note ? <p className="mt-1 max-w-xl text-xs text-muted">{record.note}</p> : null}
      </Td>
      <Td className="align-top">
        {check?.state === 'failed' ? <p className="text-xs text-danger">{check.error}</p> : null}
        {check && check.found.length ? (
          <div className="space-y-1" data-testid="found">
            {check.found.map((f, i) => (
              <Value key={i}>{f}</Value>
            ))}
          </div>
        ) : check && check.state !== 'failed' ? (
          <span className="text-xs text-muted">nothing published</span>
        ) : null}
        {check && check.state !== 'failed' && check.error ? <p className="mt-1 text-xs text-warn">{check.error}</p> : null}
      </Td>
    </tr>
  );
}

export default async function DomainDnsPage({ params }: Props) {
  const name = decodeURIComponent((await params).name);
  const view = await getDomainDnsView(name);
  if (!view) notFound();
  const { expected, last } = view;
  const base = `/domains/${encodeURIComponent(expected.domain)}`;
  // A check counts for a record only if it checked today's expected value (the policy or a key may have changed since).
  const checks = new Map((last?.records ?? []).map((r) => [r.id, r]));
  const checkOf = (r: ExpectedRecord) => {
    const c = checks.get(r.id);
    return c && c.value === r.value && c.name === r.name ? c : undefined;
  };
  const problems = expected.records.filter((r) => checkOf(r)?.state !== 'right').length;
  return (
    <>
      <BackLink href={base}>{expected.domain}</BackLink>
      <PageHeader
        title={<>DNS records of <DomainName name={expected.domain} /></>}
        description={
          <>
            What the zone of <DomainName name={expected.domain} /> must publish for mail to reach <DomainName name={expected.host} />, be trusted and be found by mail clients.{' '}
            {last ? `Last checked ${last.checkedAt.replace('T', ' ').slice(0, 16)} UTC.` : 'Not checked yet.'}
          </>
        }
        actions={
          <a href={`${base}/dns/zone`} download className="inline-flex h-10 items-center rounded-md border border-border bg-surface px-4 text-sm font-medium hover:bg-surface-2">
            Download zone file
          </a>
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-4">
        <CheckNowButton name={expected.domain} />
        <span data-testid="dns-summary" data-checked-at={last?.checkedAt ?? ''}>
          <DnsMark summary={last ? { problems, checkedAt: new Date(last.checkedAt) } : null} />
        </span>
      </div>
      <Table aria-label="DNS records">
        <thead>
          <tr>
            <Th>State</Th>
            <Th>Record</Th>
            <Th>Expected value</Th>
            <Th>Found</Th>
          </tr>
        </thead>
        <tbody>
          {expected.records.map((r) => (
            <Row key={r.id} record={r} check={checkOf(r)} />
          ))}
        </tbody>
      </Table>
      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        {expected.mtaStsPolicy ? (
          <Card>
            <CardTitle>MTA-STS policy file</CardTitle>
            <p className="mt-1 text-xs text-muted">Served at https://mta-sts.{expected.domain}/.well-known/mta-sts.txt (RFC 8461 §3.2).</p>
            <pre className="mt-2 overflow-x-auto rounded bg-surface-2 p-2 font-mono text-xs">{expected.mtaStsPolicy}</pre>
          </Card>
        ) : null}
        {expected.omitted.length ? (
          <Card>
            <CardTitle>Not asked for</CardTitle>
            <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-muted">
              {expected.omitted.map((o) => (
                <li key={o}>{o}</li>
              ))}
            </ul>
          </Card>
        ) : null}
      </div>
    </>
  );
}
