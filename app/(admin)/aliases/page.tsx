import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { ButtonLink, buttonClass } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DomainName, DomainNames, idnDisplay } from '@/components/ui/domain-name';
import { Input, Select } from '@/components/ui/input';
import { PageHeader } from '@/components/ui/page-header';
import { Pagination } from '@/components/ui/pagination';
import { Table, Td, Th } from '@/components/ui/table';
import { getAliasPage } from '@/lib/dal/aliases';
import { deleteAliasAction, toggleAliasAction, updateDestinationsAction } from './actions';
import { EditAliasForm } from './edit-alias-form';
import { firstParam, optionalParams } from '@/lib/forms/search-params';

export const metadata: Metadata = { title: 'Aliases' };

const PAGE_SIZE = 50;

const querySchema = z.object({
  q: z.string().trim().max(254).optional().catch(undefined),
  domain: z.string().trim().max(253).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});

export default async function AliasesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const query = querySchema.parse(optionalParams(raw));
  const page = query.page ?? 1;
  // Only a domain from the picker filters; anything else in the URL is ignored.
  const { domains, domain, ...list } = await getAliasPage({ q: query.q, domain: query.domain, page, pageSize: PAGE_SIZE });
  const pageCount = Math.ceil(list.total / PAGE_SIZE);
  const href = (p: number) => {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (domain) params.set('domain', domain);
    if (p > 1) params.set('page', String(p));
    const s = params.toString();
    return s ? `/aliases?${s}` : '/aliases';
  };
  // Sent here by /aliases/new; only an alias on this page is announced, a catch-all ("@domain") as the domain's.
  const created = list.rows.find((a) => a.source === firstParam(raw.created))?.source;

  return (
    <>
      <PageHeader
        title="Aliases"
        description="Addresses that have no mailbox of their own and forward to one or more others — here or anywhere on the internet."
        actions={<ButtonLink href="/aliases/new">New alias</ButtonLink>}
      />
      <Alert tone="ok" className="mb-4">
        {created ? (
          created.startsWith('@') ? (
            <>
              Catch-all for <DomainName name={created.slice(1)} /> added.
            </>
          ) : (
            <>
              Alias <DomainName name={created} /> added.
            </>
          )
        ) : undefined}
      </Alert>

      <section aria-labelledby="alias-list-title" className="min-w-0 space-y-3">
        <h2 id="alias-list-title" className="sr-only">
          Existing aliases
        </h2>
        <form method="get" role="search" aria-label="Search aliases" className="flex flex-wrap gap-2">
          <label htmlFor="alias-q" className="sr-only">
            Search
          </label>
          <Input id="alias-q" name="q" type="search" placeholder="Search source or destination" defaultValue={query.q} className="min-w-48 flex-1" />
          <label htmlFor="alias-domain-filter" className="sr-only">
            Domain
          </label>
          <Select id="alias-domain-filter" name="domain" defaultValue={domain ?? ''} className="w-auto">
            <option value="">All domains</option>
            {domains.map((d) => (
              <option key={d.id} value={d.name}>
                {idnDisplay(d.name).text}
              </option>
            ))}
          </Select>
          <button type="submit" className={buttonClass('secondary')}>
            Search
          </button>
          {query.q || domain ? (
            <Link href="/aliases" className={buttonClass('ghost')}>
              Clear
            </Link>
          ) : null}
        </form>

        {list.rows.length === 0 ? (
          <p className="rounded-lg border border-border bg-surface p-6 text-center text-sm text-muted">
            {query.q || domain ? 'No alias matches.' : 'No aliases yet.'}
          </p>
        ) : (
          <Table aria-label="Aliases">
            <thead>
              <tr>
                <Th>Source</Th>
                <Th>Delivers to</Th>
                <Th className="hidden sm:table-cell">Status</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((alias) => (
                <tr key={alias.id} data-alias={alias.source}>
                  <Td className="whitespace-nowrap font-mono">
                    {alias.source.startsWith('@') ? (
                      <>
                        <span className="text-muted">*</span>
                        <DomainName name={alias.source} /> <Badge>catch-all</Badge>
                      </>
                    ) : (
                      <DomainName name={alias.source} />
                    )}
                    {!alias.enabled ? (
                      <span className="ml-1 sm:hidden">
                        <Badge tone="warn">disabled</Badge>
                      </span>
                    ) : null}
                  </Td>
                  <Td className="font-mono text-xs">
                    <ul>
                      {alias.destinations.map((d) => (
                        <li key={d} className="whitespace-nowrap">
                          <DomainName name={d} />
                        </li>
                      ))}
                    </ul>
                    <details className="font-sans">
                      <summary className="cursor-pointer text-xs text-muted">Edit</summary>
                      <EditAliasForm action={updateDestinationsAction} source={alias.source} destinations={alias.destinations} />
                    </details>
                  </Td>
                  <Td className="hidden sm:table-cell">{alias.enabled ? <Badge tone="ok">active</Badge> : <Badge tone="warn">disabled</Badge>}</Td>
                  <Td className="whitespace-nowrap text-right">
                    <div className="inline-flex flex-col items-end gap-2 sm:flex-row">
                      <form action={toggleAliasAction}>
                        <input type="hidden" name="source" value={alias.source} />
                        <input type="hidden" name="enabled" value={alias.enabled ? 'false' : 'true'} />
                        <button type="submit" className={buttonClass('secondary', 'sm')} aria-label={`${alias.enabled ? 'Disable' : 'Enable'} ${alias.source}`}>
                          {alias.enabled ? 'Disable' : 'Enable'}
                        </button>
                      </form>
                      <ConfirmDialog
                        id={`delete-${alias.id}`}
                        trigger="Delete"
                        title={`Delete the alias ${alias.source}?`}
                        body={
                          <>
                            Mail to <strong><DomainName name={alias.source} /></strong> will no longer be forwarded to <DomainNames names={alias.destinations} />
                            {alias.source.startsWith('@') ? ' and unknown addresses of the domain will be refused.' : '.'}
                          </>
                        }
                        confirmLabel="Delete alias"
                        action={deleteAliasAction}
                        fields={{ source: alias.source }}
                      />
                    </div>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {list.total > PAGE_SIZE ? <Pagination page={page} pageCount={pageCount} total={list.total} href={href} /> : null}
      </section>
    </>
  );
}
