import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DomainName } from '@/components/ui/domain-name';
import { PageHeader } from '@/components/ui/page-header';
import { getMailbox, getMailboxDefaults, getMailboxRelations } from '@/lib/dal/mailboxes';
import { requireAdmin } from '@/lib/dal/session';
import { QuotaBar } from '../quota-bar';
import { ClientSettingsCard } from './client-settings';
import { DangerZone, EditMailboxForm, ResetPasswordForm } from './edit-forms';
import { BackLink } from '@/components/ui/back-link';

type Props = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).address) };
}

export default async function MailboxPage({ params }: Props) {
  await requireAdmin();
  const address = decodeURIComponent((await params).address);
  const mailbox = await getMailbox(address);
  if (!mailbox) notFound();
  const [defaults, relations] = await Promise.all([getMailboxDefaults(), getMailboxRelations(mailbox)]);
  const rules = defaults[mailbox.domain]?.password ?? { minLength: 12, minClasses: 3 };
  return (
    <>
      <BackLink href="/mailboxes">Mailboxes</BackLink>
      <PageHeader
        title={<DomainName name={mailbox.address} />}
        description={
          <>
            {mailbox.displayName ?? 'No display name'} ·{' '}
            {mailbox.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="warn">disabled</Badge>}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-6">
          <Card>
            <h2 className="mb-2 text-base font-semibold">Quota use</h2>
            <QuotaBar used={mailbox.usedBytes} quota={mailbox.quotaBytes} />
          </Card>
          {/* TLS statistics: the mailbox's messages with their hop chains, and its clients' TLS */}
          <Link href={`/tls/mailboxes/${encodeURIComponent(mailbox.address)}`} className="inline-block text-sm text-accent hover:underline">
            Messages and how they travelled (TLS per hop) →
          </Link>
          <EditMailboxForm
            mailbox={{ address: mailbox.address, displayName: mailbox.displayName, quotaBytes: mailbox.quotaBytes }}
          />
          <Card aria-labelledby="mailbox-aliases-title">
            <h2 id="mailbox-aliases-title" className="mb-2 text-base font-semibold">Aliases delivering here</h2>
            {relations.aliases.length === 0 ? (
              <p className="text-sm text-muted">No alias forwards to this mailbox.</p>
            ) : (
              <ul className="space-y-1 text-sm">
                {relations.aliases.map((a) => (
                  <li key={a.source} className="font-mono">
                    <Link className="text-accent hover:underline" href={`/aliases?q=${encodeURIComponent(a.source)}`}>{a.source.startsWith('@') ? '*' : null}<DomainName name={a.source} /></Link>
                    {a.source.startsWith('@') ? <> <Badge>catch-all</Badge></> : null}
                    {a.enabled ? null : <> <Badge tone="warn">disabled</Badge></>}
                  </li>
                ))}
              </ul>
            )}
            <Link className="mt-2 inline-block text-sm text-accent hover:underline" href="/aliases">Add an alias →</Link>
          </Card>
          <Card aria-labelledby="mailbox-smime-title">
            <h2 id="mailbox-smime-title" className="mb-2 text-base font-semibold">S/MIME certificate</h2>
            {relations.smime.length === 0 ? (
              <p className="text-sm text-muted">None issued.</p>
            ) : (
              <ul className="space-y-1 text-sm">
                {relations.smime.map((c) => (
                  <li key={c.id}>
                    <span className="font-mono text-xs">{c.serial.slice(0, 16)}</span> · valid until {c.notAfter.toISOString().slice(0, 10)}{' '}
                    {c.revoked ? <Badge tone="danger">revoked</Badge> : c.notAfter < new Date() ? <Badge tone="warn">expired</Badge> : <Badge tone="ok">valid</Badge>}{' '}
                    <a className="text-xs text-accent hover:underline" href={`/certificates/smime/${c.id}/pem`} download>PEM</a>
                  </li>
                ))}
              </ul>
            )}
            <Link className="mt-2 inline-block text-sm text-accent hover:underline" href="/certificates/smime">Issue or download (.p12) on the S/MIME page →</Link>
          </Card>
        </div>
        <div className="space-y-6">
          <ResetPasswordForm address={mailbox.address} rules={rules} />
          <DangerZone address={mailbox.address} enabled={mailbox.enabled} />
          <ClientSettingsCard address={mailbox.address} />
        </div>
      </div>
    </>
  );
}
