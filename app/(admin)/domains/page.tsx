import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { ButtonLink } from '@/components/ui/button';
import { DomainName, idnDisplay } from '@/components/ui/domain-name';
import { formatBytes } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getDnsSummaries } from '@/lib/dal/dns';
import { getDomains } from '@/lib/dal/domains';
import { requireAdmin } from '@/lib/dal/session';
import { firstParam } from '@/lib/forms/search-params';
import { DnsMark } from './[name]/dns-mark';
import { DomainRowActions } from './domain-actions';

export const metadata: Metadata = { title: 'Domains' };

export default async function DomainsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const admin = await requireAdmin();
  const [domains, dns, params] = await Promise.all([getDomains(), getDnsSummaries(), searchParams]);
  const global = admin.role === 'GLOBAL';
  // Sent here by /domains/new; only a domain in the list is announced.
  const created = domains.find((d) => d.name === firstParam(params.created))?.name;
  return (
    <>
      <PageHeader
        title="Domains"
        description="The mail domains this server receives mail for."
        actions={global ? <ButtonLink href="/domains/new">New domain</ButtonLink> : undefined}
      />
      <Alert tone="ok" className="mb-4">
        {created ? (
          <>
            Added <DomainName name={created} />.{' '}
            <Link className="underline" href={`/domains/${encodeURIComponent(created)}/dns`}>
              Publish its DNS records
            </Link>{' '}
            next.
          </>
        ) : undefined}
      </Alert>
      <div>
        <Table aria-label="Domains">
          <thead>
            <tr>
              <Th>Domain</Th>
              <Th className="text-right">Mailboxes</Th>
              <Th className="text-right">Aliases</Th>
              <Th className="text-right">Storage</Th>
              <Th>Status</Th>
              <Th>DNS</Th>
              {global ? <Th className="text-right">Actions</Th> : null}
            </tr>
          </thead>
          <tbody>
            {domains.length === 0 ? (
              <tr>
                <Td colSpan={7} className="py-8 text-center text-muted">
                  No domains yet.{global ? ' Add the first one with New domain.' : ''}
                </Td>
              </tr>
            ) : (
              domains.map((d) => {
                const unicode = idnDisplay(d.name).text;
                return (
                  <tr key={d.id} data-domain={d.name}>
                    <Td>
                      <Link className="font-medium text-accent underline-offset-2 hover:underline" href={`/domains/${encodeURIComponent(d.name)}`}>
                        <DomainName name={d.name} />
                      </Link>
                    </Td>
                    <Td className="text-right tabular-nums">
                      <Link className="text-accent underline-offset-2 hover:underline" href={`/mailboxes?domain=${encodeURIComponent(d.name)}`}>
                        {d.mailboxCount.toLocaleString('en')}
                      </Link>
                    </Td>
                    <Td className="text-right tabular-nums">{d.aliasCount.toLocaleString('en')}</Td>
                    <Td className="text-right tabular-nums">{formatBytes(d.usedBytes)}</Td>
                    <Td>{d.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="warn">disabled</Badge>}</Td>
                    <Td data-testid="dns-mark">
                      <Link href={`/domains/${encodeURIComponent(d.name)}/dns`} className="focus-visible:outline-2 focus-visible:outline-accent">
                        <DnsMark summary={dns.get(d.id)} />
                      </Link>
                    </Td>
                    {global ? (
                      <Td>
                        <DomainRowActions name={d.name} displayName={unicode} enabled={d.enabled} mailboxCount={d.mailboxCount} />
                      </Td>
                    ) : null}
                  </tr>
                );
              })
            )}
          </tbody>
        </Table>
      </div>
    </>
  );
}
