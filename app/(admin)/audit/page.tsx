import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { Badge } from '@/components/ui/badge';
import { DomainName } from '@/components/ui/domain-name';
import { cn } from '@/components/ui/cn';
import { Input } from '@/components/ui/input';
import { EmptyState, FilterActions, FilterField, FilterInput, KeysetNav } from '@/components/ui/filters';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAuditPage, type AuditRow } from '@/lib/dal/audit';
import { diffJson, formatValue, type DiffRow } from './diff';
import { optionalParams } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'Audit log' };

const PAGE_SIZE = 50;

// Query parameters are user input like any other: bad ones are ignored, not thrown.
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const filterSchema = z.object({
  actor: z.string().trim().max(320).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  target: z.string().trim().max(320).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  before: z.string().regex(/^\d{1,19}$/).optional().catch(undefined),
});
type Filter = z.infer<typeof filterSchema>;

const ACTION_HINTS = ['policy.', 'alias.', 'mailbox.', 'domain.', 'admin.', 'certificate.'];

function href(filter: Filter, patch: Partial<Filter>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filter, ...patch })) if (v) params.set(k, v);
  const q = params.toString();
  return q ? `/audit?${q}` : '/audit';
}

function nextDay(d: string): Date {
  const date = new Date(`${d}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const filter = filterSchema.parse(optionalParams(raw));
  const { rows, next, global } = await getAuditPage({
    actor: filter.actor,
    action: filter.action,
    target: filter.target,
    from: filter.from ? new Date(`${filter.from}T00:00:00Z`) : undefined,
    to: filter.to ? nextDay(filter.to) : undefined,
    before: filter.before,
    limit: PAGE_SIZE,
  });
  const filtered = Boolean(filter.actor || filter.action || filter.target || filter.from || filter.to);

  return (
    <>
      <PageHeader
        title="Audit log"
        description={
          global
            ? 'Every change made in the panel, the CLI or by the system: who, what, from where, and what a setting was before and after. Times are UTC.'
            : 'Changes to your domains and their mailboxes and aliases. Times are UTC.'
        }
      />

      <form method="get" role="search" aria-label="Filter the audit log" className="mb-4 grid gap-3 rounded-lg border border-border bg-surface p-3 sm:grid-cols-2 lg:grid-cols-6">
        <FilterInput id="f-actor" name="actor" label="Who" placeholder="admin@example.org" value={filter.actor} />
        <FilterField id="f-action" label="Action (prefix)">
          <Input id="f-action" name="action" list="audit-actions" placeholder="policy." defaultValue={filter.action} />
          <datalist id="audit-actions">
            {ACTION_HINTS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </FilterField>
        <FilterInput id="f-target" name="target" label="Target contains" placeholder="example.org" value={filter.target} />
        <FilterInput id="f-from" name="from" label="From (day)" type="date" value={filter.from} />
        <FilterInput id="f-to" name="to" label="To (day, inclusive)" type="date" value={filter.to} />
        <FilterActions submit="Filter" clearHref="/audit" filtered={filtered} />
      </form>

      {rows.length === 0 ? (
        <EmptyState>{filtered || filter.before ? 'No entries match.' : 'Nothing has been changed yet.'}</EmptyState>
      ) : (
        <Table aria-label="Audit entries">
          <thead>
            <tr>
              <Th className="w-44">Time (UTC)</Th>
              <Th>Who</Th>
              <Th>Action</Th>
              <Th>Target</Th>
              <Th>IP</Th>
            </tr>
          </thead>
          {rows.map((row) => (
            <AuditEntry key={row.id} row={row} filter={filter} />
          ))}
        </Table>
      )}

      <KeysetNav
        summary={rows.length ? `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'} on this page, newest first` : ''}
        newestHref={filter.before ? href(filter, { before: undefined }) : null}
        olderHref={next ? href(filter, { before: next }) : null}
      />
    </>
  );
}

const COLUMNS = 5;

/** One entry: its facts on one row and, when it changed settings, the change on an expandable row below. */
function AuditEntry({ row, filter }: { row: AuditRow; filter: Filter }) {
  const changes = row.before === null && row.after === null ? [] : diffJson(row.before, row.after);
  const at = row.at.toISOString().replace('T', ' ').slice(0, 19);
  return (
    <tbody data-audit-action={row.action}>
      <tr className="align-top">
        <Td className={cn('whitespace-nowrap font-mono text-xs', changes.length ? 'border-b-0' : undefined)}>
          <time dateTime={row.at.toISOString()}>{at}</time>
        </Td>
        <Td className={changes.length ? 'border-b-0' : undefined}>
          <Link className="underline-offset-2 hover:underline" href={href({}, { actor: row.actor })} title={`Only ${row.actor}`}>
            {row.actor}
          </Link>
        </Td>
        <Td className={changes.length ? 'border-b-0' : undefined}>
          <Link href={href({ ...filter, before: undefined }, { action: row.action })} title={`Only ${row.action}`}>
            <Badge tone={row.action.includes('fail') ? 'danger' : row.action.includes('delete') || row.action.includes('remove') ? 'warn' : 'neutral'}>
              {row.action}
            </Badge>
          </Link>
        </Td>
        <Td className={cn('min-w-48 [overflow-wrap:anywhere]', changes.length ? 'border-b-0' : undefined)}>
          {row.target ? (
            <Link className="underline-offset-2 hover:underline" href={href({}, { target: row.target })} title={row.targetName ? `${row.target} — everything about it` : `Everything about ${row.target}`}>
              <DomainName name={row.targetName ?? row.target} />
            </Link>
          ) : (
            '—'
          )}
        </Td>
        <Td className={cn('whitespace-nowrap font-mono text-xs', changes.length ? 'border-b-0' : undefined)}>{row.ip ?? '—'}</Td>
      </tr>
      {changes.length ? (
        <tr>
          <Td colSpan={COLUMNS} data-label="" className="pt-0">
            <Changes rows={changes} unset={row.action.startsWith('policy.') ? '(inherited)' : '—'} />
          </Td>
        </tr>
      ) : null}
    </tbody>
  );
}

const KIND_LABEL: Record<DiffRow['kind'], string> = { added: 'set', removed: 'cleared', changed: 'changed' };

function Changes({ rows, unset }: { rows: DiffRow[]; unset: string }) {
  return (
    <details>
      <summary className="cursor-pointer text-xs text-muted">
        Change: {rows.length} field{rows.length === 1 ? '' : 's'} ({rows.slice(0, 3).map((r) => r.path).join(', ')}
        {rows.length > 3 ? ', …' : ''})
      </summary>
      <table className="mt-1 w-full table-fixed text-xs [overflow-wrap:anywhere]" aria-label="Before and after">
        <thead className="sr-only">
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.path} data-diff-path={r.path} title={KIND_LABEL[r.kind]}>
              <td className="w-1/4 pr-2 align-top font-mono">{r.path}</td>
              <td className="pr-2 align-top font-mono" data-diff-before>
                {r.kind === 'added' ? <span className="text-muted">{unset}</span> : <del className="text-danger">{formatValue(r.before)}</del>}
              </td>
              <td className="align-top font-mono" data-diff-after>
                {r.kind === 'removed' ? <span className="text-muted">{unset}</span> : <ins className="text-ok no-underline">{formatValue(r.after)}</ins>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
