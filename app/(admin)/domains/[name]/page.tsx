import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle, Stat } from '@/components/ui/card';
import { DomainName } from '@/components/ui/domain-name';
import { formatBytes } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { getDomainOverview } from '@/lib/dal/dns';
import { DnsMark } from './dns-mark';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Domain · ${decodeURIComponent((await params).name)}` };
}

export default async function DomainPage({ params }: Props) {
  const name = decodeURIComponent((await params).name);
  const d = await getDomainOverview(name);
  if (!d) notFound();
  const base = `/domains/${encodeURIComponent(d.name)}`;
  return (
    <>
      <BackLink href="/domains">Domains</BackLink>
      <PageHeader
        title={<DomainName name={d.name} />}
        description={`Added ${d.createdAt.toISOString().slice(0, 10)}`}
        actions={d.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="warn">disabled</Badge>}
      />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-3">
        <Link href={`/mailboxes?domain=${encodeURIComponent(d.name)}`} className="block rounded-lg focus-visible:outline-2 focus-visible:outline-accent">
          <Stat label="Mailboxes" value={d.mailboxCount.toLocaleString('en')} hint="open the mailboxes →" />
        </Link>
        <Stat label="Aliases" value={d.aliasCount.toLocaleString('en')} />
        <Stat label="Storage used" value={formatBytes(d.usedBytes)} />
      </div>
      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <Card data-testid="domain-dns-card">
          <div className="flex items-center justify-between gap-2">
            <CardTitle>DNS records</CardTitle>
            <DnsMark summary={d.lastCheck} />
          </div>
          <p className="mt-2 text-sm text-muted">
            {d.lastCheck
              ? `Last checked ${d.lastCheck.checkedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC.`
              : 'Not checked yet: the DNS page lists what to publish and checks it live.'}
          </p>
          <Link href={`${base}/dns`} className="mt-3 inline-block text-sm text-accent hover:underline">
            Records to publish and their live state →
          </Link>
        </Card>
        <Card data-testid="domain-dkim-card">
          <CardTitle>DKIM signing keys</CardTitle>
          <p className="mt-2 text-sm text-muted">
            {d.dkimKeys.length ? d.dkimKeys.map((k) => `${k.selector} (${k.status})`).join(', ') : 'No signing key yet.'}
          </p>
          <Link href={`${base}/dkim`} className="mt-3 inline-block text-sm text-accent hover:underline">
            Manage DKIM keys →
          </Link>
        </Card>
      </div>
    </>
  );
}
