import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { Alert } from '@/components/ui/alert';
import { DomainName } from '@/components/ui/domain-name';
import { Select } from '@/components/ui/input';
import { EmptyState, FilterActions, FilterField, FilterInput, KeysetNav } from '@/components/ui/filters';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { ageSchema, DEFAULT_STATUSES, getQueuePage, OUTBOUND_STATUSES, type OutboundStatusName } from '@/lib/dal/queue';
import { NextAttempt, Reply, Sender, STATUS_LABEL, StatusBadge, Time } from './status';
import { optionalParam } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'Queue' };

type Params = Record<string, string | string[] | undefined>;

// Query parameters are user input like any other: bad ones are ignored, not thrown.
const filterSchema = z.object({
  status: z.array(z.enum(OUTBOUND_STATUSES)).catch([]),
  sender: z.string().trim().max(320).optional().catch(undefined),
  domain: z.string().trim().max(253).optional().catch(undefined),
  age: z.string().max(10).optional().catch(undefined),
  cursor: z.string().max(200).optional().catch(undefined),
});
type Filter = z.infer<typeof filterSchema>;

const AGES = [
  ['', 'Any age'],
  ['15m', 'Older than 15 minutes'],
  ['1h', 'Older than 1 hour'],
  ['4h', 'Older than 4 hours'],
  ['1d', 'Older than 1 day'],
  ['3d', 'Older than 3 days'],
] as const;

function href(filter: Filter, patch: Partial<Filter>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...patch })) {
    if (Array.isArray(v)) for (const s of v) params.append(k, s);
    else if (v) params.set(k, v);
  }
  const q = params.toString();
  return q ? `/queue?${q}` : '/queue';
}

export default async function QueuePage({ searchParams }: { searchParams: Promise<Params> }) {
  const raw = await searchParams;
  const filter = filterSchema.parse({
    status: [raw.status ?? []].flat().filter((s) => (OUTBOUND_STATUSES as readonly string[]).includes(s ?? '')),
    sender: optionalParam(raw.sender),
    domain: optionalParam(raw.domain),
    age: optionalParam(raw.age),
    cursor: optionalParam(raw.cursor),
  });
  const statuses: OutboundStatusName[] = filter.status.length ? filter.status : [...DEFAULT_STATUSES];
  const age = filter.age ? ageSchema.safeParse(filter.age) : undefined;
  const { page, problem, global } = await getQueuePage({
    status: statuses,
    sender: filter.sender,
    recipientDomain: filter.domain,
    olderThan: age?.success ? age.data : undefined,
    cursor: filter.cursor,
  });
  const filtered = Boolean(filter.status.length || filter.sender || filter.domain || filter.age);
  const now = new Date();
  const removed = optionalParam(raw.removed);

  return (
    <>
      <PageHeader
        title="Queue"
        description={
          global
            ? 'Mail waiting for a remote server: queued, deferred (the remote server asked us to try later) and failed (returned to its sender). Newest first; times are UTC on hover.'
            : 'Mail from your domains’ senders waiting for a remote server: queued, deferred and failed. Newest first.'
        }
      />
      <Alert tone="ok" className="mb-4">
        {removed ? `Removed ${removed} from the queue.` : undefined}
      </Alert>
      <Alert className="mb-4">{problem}</Alert>

      <form method="get" role="search" aria-label="Filter the queue" className="mb-4 grid gap-3 rounded-lg border border-border bg-surface p-3 sm:grid-cols-2 lg:grid-cols-5">
        <fieldset className="space-y-1 lg:col-span-2">
          <legend className="block text-xs font-medium text-muted">Status</legend>
          <div className="flex flex-wrap gap-3 pt-1 text-sm">
            {OUTBOUND_STATUSES.map((s) => (
              <label key={s} className="inline-flex items-center gap-1.5">
                <input type="checkbox" name="status" value={s} defaultChecked={statuses.includes(s)} />
                {STATUS_LABEL[s]}
              </label>
            ))}
          </div>
        </fieldset>
        <FilterInput id="f-sender" name="sender" label="Sender contains" placeholder="alice@example.org" value={filter.sender} maxLength={320} />
        <FilterInput id="f-domain" name="domain" label="Recipient domain" placeholder="gmail.com" value={filter.domain} maxLength={253} />
        <FilterField id="f-age" label="Age">
          <Select id="f-age" name="age" defaultValue={filter.age ?? ''}>
            {AGES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
        </FilterField>
        <FilterActions submit="Filter" clearHref="/queue" filtered={filtered} className="lg:col-span-5" />
      </form>

      {page.messages.length === 0 ? (
        <EmptyState testId="queue-empty">
          {filtered || filter.cursor
            ? 'No message matches these filters.'
            : 'The queue is empty. Mail to remote servers appears here while it waits for delivery, when a server defers it, and when it fails and goes back to its sender.'}
        </EmptyState>
      ) : (
        <Table aria-label="Queued messages">
          <thead>
            <tr>
              <Th>Queue ID</Th>
              <Th>Sender</Th>
              <Th>Recipients</Th>
              <Th className="text-right">Attempts</Th>
              <Th>Next attempt</Th>
              <Th>Last reply</Th>
            </tr>
          </thead>
          <tbody>
            {page.messages.map((m) => (
              <tr key={m.queueId} className="align-top" data-queue-id={m.queueId}>
                <Td className="whitespace-nowrap font-mono text-xs">
                  <Link className="font-medium text-accent underline-offset-2 hover:underline" href={`/queue/${encodeURIComponent(m.queueId)}`}>
                    {m.queueId}
                  </Link>
                  <div className="mt-1 font-sans text-muted">
                    <Time at={m.createdAt} now={now} />
                  </div>
                </Td>
                <Td>
                  <Sender mailFrom={m.mailFrom} />
                </Td>
                <Td>
                  <ul className="space-y-1">
                    {m.recipients.map((r) => (
                      <li key={r.id} className="flex flex-wrap items-center gap-2" data-rcpt={r.rcpt}>
                        <DomainName name={r.rcpt} className="break-all" />
                        <StatusBadge status={r.status} inFlight={r.inFlight} bounceRequested={r.bounceRequestedAt !== null} />
                      </li>
                    ))}
                  </ul>
                </Td>
                <Td className="text-right tabular-nums">{m.attempts}</Td>
                <Td>{m.nextAttemptAt ? <NextAttempt at={m.nextAttemptAt} now={now} /> : <span className="text-muted">—</span>}</Td>
                <Td className="max-w-xs">{m.lastReply ? <Reply code={m.lastReply.code} text={m.lastReply.text} /> : <span className="text-muted">—</span>}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}

      <KeysetNav
        summary={page.messages.length ? `${page.messages.length} message${page.messages.length === 1 ? '' : 's'} on this page` : ''}
        newestHref={filter.cursor ? href(filter, { cursor: undefined }) : null}
        olderHref={page.next ? href(filter, { cursor: page.next }) : null}
      />
    </>
  );
}
