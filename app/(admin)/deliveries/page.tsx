import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { Alert } from '@/components/ui/alert';
import { DomainName, DomainNames } from '@/components/ui/domain-name';
import { Badge } from '@/components/ui/badge';
import { EmptyState, FilterActions, FilterInput, KeysetNav } from '@/components/ui/filters';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getDeliveryPage, type DeliveryEvent } from '@/lib/dal/queue';
import { OutcomeBadge, Reply, Sender, utc } from '../queue/status';
import { optionalParam } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'Delivery log' };

type Params = Record<string, string | string[] | undefined>;

// Query parameters are user input like any other: bad ones are ignored, not thrown.
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const filterSchema = z.object({
  sender: z.string().trim().max(320).optional().catch(undefined),
  recipient: z.string().trim().max(320).optional().catch(undefined),
  queueId: z.string().trim().max(64).optional().catch(undefined),
  messageId: z.string().trim().max(998).optional().catch(undefined),
  clientIp: z.string().trim().max(64).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  cursor: z.string().max(200).optional().catch(undefined),
});
type Filter = z.infer<typeof filterSchema>;

function href(filter: Filter, patch: Partial<Filter>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...patch })) if (v) params.set(k, v);
  const q = params.toString();
  return q ? `/deliveries?${q}` : '/deliveries';
}

function nextDay(d: string): Date {
  const date = new Date(`${d}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date;
}

const FIELDS: { name: keyof Filter; label: string; placeholder?: string; type?: string }[] = [
  { name: 'sender', label: 'Sender contains', placeholder: 'alice@example.org' },
  { name: 'recipient', label: 'Recipient (address or part)', placeholder: 'bob@example.com' },
  { name: 'queueId', label: 'Queue ID', placeholder: '4Xk9…' },
  { name: 'messageId', label: 'Message-ID', placeholder: 'abc123@example.org' },
  { name: 'clientIp', label: 'Client IP', placeholder: '192.0.2.10' },
  { name: 'from', label: 'From (day)', type: 'date' },
  { name: 'to', label: 'To (day, inclusive)', type: 'date' },
];

export default async function DeliveriesPage({ searchParams }: { searchParams: Promise<Params> }) {
  const raw = await searchParams;
  const filter = filterSchema.parse(Object.fromEntries(Object.keys(filterSchema.shape).map((k) => [k, optionalParam(raw[k])])));
  const { page, problem, global } = await getDeliveryPage({
    sender: filter.sender,
    recipient: filter.recipient,
    queueId: filter.queueId,
    messageId: filter.messageId,
    clientIp: filter.clientIp,
    from: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
    to: filter.to ? nextDay(filter.to) : undefined,
    cursor: filter.cursor,
  });
  const filtered = Boolean(filter.sender || filter.recipient || filter.queueId || filter.messageId || filter.clientIp || filter.from || filter.to);

  return (
    <>
      <PageHeader
        title="Delivery log"
        description={
          <>
            Where did my mail go? Every message our server received and every attempt to deliver one to a remote server, newest first. Times are UTC.
            {global ? '' : ' You see mail sent from your domains.'}
          </>
        }
      />
      <Alert className="mb-4">{problem}</Alert>

      <form method="get" role="search" aria-label="Search the delivery log" className="mb-4 grid gap-3 rounded-lg border border-border bg-surface p-3 sm:grid-cols-2 lg:grid-cols-7">
        {FIELDS.map((f) => (
          <FilterInput key={f.name} id={`f-${f.name}`} name={f.name} label={f.label} type={f.type} placeholder={f.placeholder} value={filter[f.name]} />
        ))}
        <FilterActions submit="Search" clearHref="/deliveries" filtered={filtered} className="lg:col-span-7" />
      </form>

      {page.events.length === 0 ? (
        <EmptyState testId="deliveries-empty">
          {filtered || filter.cursor
            ? 'Nothing matches. Try a shorter part of the address, or a wider time range.'
            : 'No mail yet. Each message our server receives, and each attempt to deliver one to a remote server (sent, deferred or failed), will appear here.'}
        </EmptyState>
      ) : (
        <Table aria-label="Delivery log">
          <thead>
            <tr>
              <Th className="w-40">Time (UTC)</Th>
              <Th>Event</Th>
              <Th>Queue ID</Th>
              <Th>From</Th>
              <Th>To</Th>
              <Th>Where</Th>
              <Th>Result</Th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((e) => (
              <EventRow key={`${e.kind}-${e.id}`} e={e} filter={filter} />
            ))}
          </tbody>
        </Table>
      )}

      <KeysetNav
        summary={page.events.length ? `${page.events.length} event${page.events.length === 1 ? '' : 's'} on this page, newest first` : ''}
        newestHref={filter.cursor ? href(filter, { cursor: undefined }) : null}
        olderHref={page.next ? href(filter, { cursor: page.next }) : null}
        olderLabel="Next page"
      />
    </>
  );
}

function EventRow({ e, filter }: { e: DeliveryEvent; filter: Filter }) {
  const trace = href({}, { queueId: e.queueId.replace(/\.dsn$/, '') });
  return (
    <tr className="align-top" data-event={e.kind === 'received' ? 'received' : e.outcome} data-queue-id={e.queueId}>
      <Td className="whitespace-nowrap font-mono text-xs">
        <time dateTime={e.at.toISOString()}>{utc(e.at)}</time>
      </Td>
      <Td>{e.kind === 'received' ? <Badge>received</Badge> : <OutcomeBadge outcome={e.outcome} />}</Td>
      <Td className="whitespace-nowrap font-mono text-xs">
        {filter.queueId ? e.queueId : (
          <Link className="text-accent hover:underline" href={trace} title="Everything about this message">
            {e.queueId}
          </Link>
        )}
        {e.kind === 'attempt' ? (
          <div className="mt-1 font-sans">
            <Link className="text-accent hover:underline" href={`/queue/${encodeURIComponent(e.queueId)}`}>
              in queue →
            </Link>
          </div>
        ) : null}
      </Td>
      <Td>
        <Sender mailFrom={e.mailFrom} />
      </Td>
      <Td className="break-all">{e.kind === 'received' ? <DomainNames names={e.recipients} /> : <DomainName name={e.rcpt} />}</Td>
      <Td className="text-xs">
        {e.kind === 'received' ? (
          <>
            <div className="font-mono">{e.clientIp}</div>
            <div className="text-muted">
              {e.clientName ?? e.helo} · {e.listener}
              {e.authUser ? ` · as ${e.authUser}` : ''}
            </div>
            <div className="font-mono text-muted">{e.tlsVersion ?? 'cleartext'}</div>
          </>
        ) : (
          <>
            <div className="break-all">{e.mxHost ?? '—'}</div>
            <div className="font-mono text-muted">{e.ip ?? ''}</div>
            <div className="font-mono text-muted">
              {e.tlsVersion ?? 'cleartext'} · {e.tlsVerification}
            </div>
          </>
        )}
      </Td>
      <Td className="max-w-sm">{e.kind === 'received' ? <span className="text-muted">accepted</span> : <Reply code={e.code} text={e.reply} />}</Td>
    </tr>
  );
}
