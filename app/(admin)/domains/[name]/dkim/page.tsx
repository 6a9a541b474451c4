import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Alert } from '@/components/ui/alert';
import { DomainName } from '@/components/ui/domain-name';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getDkimKeys, type DkimKeyView } from '@/lib/dal/dkim';
import { bindTxtData } from '@/lib/dns/txt';
import { CopyButton } from '@/components/ui/copy-button';
import { ActivateButton, CheckDnsButton, GenerateKeyForm, RetireButton } from './forms';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `DKIM · ${decodeURIComponent((await params).name)}` };
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '—');
const TYPE = { rsa: 'RSA-2048', ed25519: 'Ed25519' } as const;
const STATUS_TONE = { active: 'ok', pending: 'warn', retiring: 'neutral', retired: 'neutral' } as const;
const DNS_TONE = { found: 'ok', different: 'danger', missing: 'warn', failed: 'danger' } as const;

function KeyCard({ k }: { k: DkimKeyView }) {
  const live = k.status !== 'retired';
  return (
    <Card data-dkim-key={k.selector} data-status={k.status}>
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-mono text-base font-semibold">{k.selector}</h2>
        <Badge tone={STATUS_TONE[k.status]}>{k.status}</Badge>
        <span className="text-sm text-muted">{TYPE[k.algorithm]}</span>
        <span className="text-sm">
          DNS: {k.dnsStatus ? <Badge tone={DNS_TONE[k.dnsStatus]}>{k.dnsStatus}</Badge> : <Badge>not checked</Badge>}
          {k.dnsCheckedAt ? <span className="ml-1 text-xs text-muted">{when(k.dnsCheckedAt)}</span> : null}
        </span>
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-4 text-xs text-muted md:grid-cols-4">
        <div><dt className="inline">Created </dt><dd className="inline tabular-nums">{when(k.createdAt)}</dd></div>
        <div><dt className="inline">Activated </dt><dd className="inline tabular-nums">{when(k.activatedAt)}</dd></div>
        {k.status === 'retiring' ? <div><dt className="inline">Retire after </dt><dd className="inline tabular-nums">{when(k.retireAfter)}</dd></div> : null}
        {k.retiredAt ? <div><dt className="inline">Retired </dt><dd className="inline tabular-nums">{when(k.retiredAt)}</dd></div> : null}
      </dl>
      {live ? (
        <div className="mt-4 space-y-3">
          <p className="text-sm">
            {k.status === 'pending' ? 'Publish this TXT record, then check DNS; once it is found, activate the key.' : null}
            {k.status === 'active' ? 'This key signs the domain’s mail: keep its record published.' : null}
            {k.status === 'retiring' ? 'A newer key signs; keep this record published until the date above so mail already sent still verifies.' : null}
          </p>
          <div>
            <div className="flex items-center gap-2 text-xs font-medium text-muted">Name (TXT) <CopyButton text={k.record.name} label={`record name of ${k.selector}`} /></div>
            <code className="block break-all rounded bg-surface-2 px-2 py-1 text-sm" data-record-name>{k.record.name}</code>
          </div>
          <div>
            <div className="flex items-center gap-2 text-xs font-medium text-muted">
              Value as DNS strings ({k.record.strings.length}, at most 255 octets each) <CopyButton text={bindTxtData(k.record.value)} label={`quoted strings of ${k.selector}`} />
            </div>
            <code className="block break-all rounded bg-surface-2 px-2 py-1 text-sm" data-record-strings>{bindTxtData(k.record.value)}</code>
          </div>
          <div>
            <div className="flex items-center gap-2 text-xs font-medium text-muted">Value as one string (panels that split it themselves) <CopyButton text={k.record.value} label={`value of ${k.selector}`} /></div>
            <code className="block break-all rounded bg-surface-2 px-2 py-1 text-sm" data-record-value>{k.record.value}</code>
          </div>
          <div className="flex flex-wrap items-start gap-4">
            <CheckDnsButton domain={k.domain} selector={k.selector} />
            <ActivateButton domain={k.domain} selector={k.selector} found={k.status !== 'active' && k.dnsStatus === 'found'} />
            <RetireButton domain={k.domain} selector={k.selector} active={k.status === 'active'} />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

export default async function DkimPage({ params }: Props) {
  const name = decodeURIComponent((await params).name);
  const found = await getDkimKeys(name);
  if (!found) notFound();
  const { domain, keys } = found;
  const live = keys.filter((k) => k.status !== 'retired');
  const retired = keys.filter((k) => k.status === 'retired');
  return (
    <>
      <BackLink href="/domains">Domains</BackLink>
      <PageHeader
        title={<>DKIM keys · <DomainName name={domain} /></>}
        description="Mail submitted by this domain's users and forwarded by its aliases is signed with the active key (RFC 6376). A new key is published and found in DNS before it signs; the one it replaces stays published for the grace period."
      />
      <div className="space-y-4">
        {keys.some((k) => k.status === 'active') ? null : (
          <Alert>No key signs for <DomainName name={domain} />: its mail leaves unsigned. Generate a key, publish its record, check DNS and activate it.</Alert>
        )}
        <GenerateKeyForm domain={domain} />
        {live.map((k) => <KeyCard key={k.id} k={k} />)}
        {retired.length ? (
          <Table aria-label="Retired keys">
            <thead>
              <tr><Th>Retired selector</Th><Th>Type</Th><Th>Created</Th><Th>Retired</Th></tr>
            </thead>
            <tbody>
              {retired.map((k) => (
                <tr key={k.id} data-dkim-key={k.selector} data-status="retired">
                  <Td className="font-mono">{k.selector}</Td><Td>{TYPE[k.algorithm]}</Td><Td className="tabular-nums">{when(k.createdAt)}</Td><Td className="tabular-nums">{when(k.retiredAt)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : null}
      </div>
    </>
  );
}
