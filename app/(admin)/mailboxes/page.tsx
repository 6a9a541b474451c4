import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { DomainName, idnDisplay } from '@/components/ui/domain-name';
import { Button, ButtonLink } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/input';
import { PageHeader } from '@/components/ui/page-header';
import { Pagination } from '@/components/ui/pagination';
import { Table, Td, Th } from '@/components/ui/table';
import { getDomains } from '@/lib/dal/domains';
import { getMailboxActivity, getMailboxPage, LOGIN_SERVICES, MAILBOX_SORTS, type MailboxActivity, type MailboxSort } from '@/lib/dal/mailboxes';
import { requireAdmin } from '@/lib/dal/session';
import { QuotaBar } from './quota-bar';
import { firstParam } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'Mailboxes' };

type Params = Record<string, string | string[] | undefined>;

// Name and Created give way on narrow screens; address, quota use and status stay.
const NARROW_HIDDEN = 'hidden md:table-cell';
const COLUMNS: { key: MailboxSort; label: string; className?: string }[] = [
  { key: 'address', label: 'Address' },
  { key: 'displayName', label: 'Name', className: NARROW_HIDDEN },
  { key: 'usedBytes', label: 'Quota use' },
  { key: 'createdAt', label: 'Created', className: NARROW_HIDDEN },
];

const LOGIN_LABEL = { imap: 'IMAP', pop3: 'POP3', submission: 'SMTP' } as const;
const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);

/** The newest login per protocol, as "IMAP 2026-12-01"; "never" when none was recorded. */
function LastLogins({ activity }: { activity?: MailboxActivity }) {
  const seen = LOGIN_SERVICES.filter((s) => activity?.lastLogin[s]);
  if (!seen.length) return <span className="text-muted">never</span>;
  return (
    <ul>
      {seen.map((s) => (
        <li key={s} className="whitespace-nowrap">
          {LOGIN_LABEL[s]} <time dateTime={activity!.lastLogin[s]!.toISOString()}>{day(activity!.lastLogin[s])}</time>
        </li>
      ))}
    </ul>
  );
}

export default async function MailboxesPage({ searchParams }: { searchParams: Promise<Params> }) {
  await requireAdmin();
  const params = await searchParams;
  const q = firstParam(params.q).slice(0, 200);
  const domain = firstParam(params.domain);
  const sort = (MAILBOX_SORTS as readonly string[]).includes(firstParam(params.sort)) ? (firstParam(params.sort) as MailboxSort) : 'address';
  const order = firstParam(params.order) === 'desc' ? 'desc' : 'asc';
  const page = Math.max(1, Number.parseInt(firstParam(params.page), 10) || 1);
  // A domain filter outside the admin's scope (or unknown) is a message, not a 500.
  const [{ result, problem }, domains] = await Promise.all([getMailboxPage({ q, domain, sort, order, page }), getDomains()]);
  const activity = await getMailboxActivity(result.rows.map((m) => m.id));
  const pageCount = Math.ceil(result.total / result.pageSize);

  const href = (change: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams();
    const merged = { q, domain, sort, order, page, ...change };
    for (const [k, v] of Object.entries(merged)) {
      if (v === undefined || v === '' || (k === 'page' && v === 1) || (k === 'sort' && v === 'address') || (k === 'order' && v === 'asc')) continue;
      next.set(k, String(v));
    }
    const s = next.toString();
    return s ? `/mailboxes?${s}` : '/mailboxes';
  };

  const created = firstParam(params.created);
  const deleted = firstParam(params.deleted);
  return (
    <>
      <PageHeader
        title="Mailboxes"
        description={`${result.total.toLocaleString('en')} mailbox${result.total === 1 ? '' : 'es'}${q || domain ? ' match' : ''}`}
        actions={
          <>
            <ButtonLink href="/mailboxes/import" variant="secondary">
              Import CSV
            </ButtonLink>
            <ButtonLink href={domain ? `/mailboxes/new?domain=${encodeURIComponent(domain)}` : '/mailboxes/new'}>New mailbox</ButtonLink>
          </>
        }
      />
      <Alert tone="ok" className="mb-4">
        {created ? `Created ${created}.` : deleted ? `Deleted ${deleted}.` : undefined}
      </Alert>
      <Alert className="mb-4">{problem}</Alert>
      <form role="search" action="/mailboxes" className="mb-4 flex flex-wrap gap-2">
        <label htmlFor="q" className="sr-only">
          Search mailboxes
        </label>
        <Input id="q" name="q" type="search" defaultValue={q} placeholder="Search address or name" className="max-w-sm" maxLength={200} />
        <label htmlFor="filter-domain" className="sr-only">
          Domain
        </label>
        <Select id="filter-domain" name="domain" defaultValue={domain} className="max-w-xs">
          <option value="">All domains</option>
          {domains.map((d) => (
            <option key={d.id} value={d.name}>
              {idnDisplay(d.name).text}
            </option>
          ))}
        </Select>
        {sort !== 'address' ? <input type="hidden" name="sort" value={sort} /> : null}
        {order !== 'asc' ? <input type="hidden" name="order" value={order} /> : null}
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      <Table aria-label="Mailboxes">
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const active = sort === c.key;
              const nextOrder = active && order === 'asc' ? 'desc' : 'asc';
              return (
                <Th key={c.key} className={c.className} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
                  <Link href={href({ sort: c.key, order: nextOrder, page: 1 })} className="inline-flex items-center gap-1 hover:text-fg">
                    {c.label}
                    <span aria-hidden="true">{active ? (order === 'asc' ? '▲' : '▼') : ''}</span>
                  </Link>
                </Th>
              );
            })}
            <Th className={NARROW_HIDDEN}>Last login</Th>
            <Th className="text-right">Messages</Th>
            <Th className={NARROW_HIDDEN}>Password changed</Th>
            <Th>Status</Th>
          </tr>
        </thead>
        <tbody>
          {result.rows.length === 0 ? (
            <tr>
              <Td colSpan={8} className="py-8 text-center text-muted">
                {q || domain ? 'No mailbox matches.' : 'No mailboxes yet.'}
              </Td>
            </tr>
          ) : (
            result.rows.map((m) => (
              <tr key={m.id} data-address={m.address}>
                <Td>
                  <Link className="font-medium text-accent underline-offset-2 hover:underline" href={`/mailboxes/${encodeURIComponent(m.address)}`}>
                    <DomainName name={m.address} />
                  </Link>
                </Td>
                <Td className={NARROW_HIDDEN}>{m.displayName ?? <span className="text-muted">—</span>}</Td>
                <Td className="min-w-48">
                  <QuotaBar used={m.usedBytes} quota={m.quotaBytes} />
                </Td>
                <Td className={`whitespace-nowrap text-muted ${NARROW_HIDDEN}`}>{m.createdAt.toISOString().slice(0, 10)}</Td>
                <Td className={`text-xs ${NARROW_HIDDEN}`} data-testid="last-login">
                  <LastLogins activity={activity.get(m.id)} />
                </Td>
                <Td className="text-right tabular-nums" data-testid="messages">{(activity.get(m.id)?.messages ?? 0).toLocaleString('en')}</Td>
                <Td className={`whitespace-nowrap text-muted ${NARROW_HIDDEN}`} data-testid="password-changed">
                  {day(activity.get(m.id)?.passwordChangedAt) ?? 'never'}
                </Td>
                <Td>{m.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="warn">disabled</Badge>}</Td>
              </tr>
            ))
          )}
        </tbody>
      </Table>
      <Pagination page={result.page} pageCount={pageCount} total={result.total} href={(p) => href({ page: p })} />
    </>
  );
}
