import type { Metadata } from 'next';
import Link from 'next/link';
import { domainToUnicode } from 'node:url';
import { Badge } from '@/components/ui/badge';
import { formatBytes } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getDnsSummaries } from '@/lib/dal/dns';
import { getDomains } from '@/lib/dal/domains';
import { requireAdmin } from '@/lib/dal/session';
import { AddDomainForm } from './add-domain-form';
import { DnsMark } from './[name]/dns-mark';
import { DomainRowActions } from './domain-actions';

export const metadata: Metadata = { title: 'Domains' };

export default async function DomainsPage() {
  const admin = await requireAdmin();
  const [domains, dns] = await Promise.all([getDomains(), getDnsSummaries()]);
  const global = admin.role === 'GLOBAL';
  return (
    <>
      <PageHeader title="Domains" description="The mail domains this server receives mail for." />
      {global ? <AddDomainForm /> : null}
      <div className="mt-6">
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
                  No domains yet. Add the first one above.
                </Td>
              </tr>
            ) : (
              domains.map((d) => {
                const unicode = domainToUnicode(d.name) || d.name;
                return (
                  <tr key={d.id} data-domain={d.name}>
                    <Td>
                      <Link className="font-medium text-accent underline-offset-2 hover:underline" href={`/domains/${encodeURIComponent(d.name)}`}>
                        {unicode}
                      </Link>
                      {unicode !== d.name ? <span className="ml-2 font-mono text-xs text-muted">{d.name}</span> : null}
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
