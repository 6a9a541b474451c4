import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getMailbox, getMailboxDefaults } from '@/lib/dal/mailboxes';
import { requireAdmin } from '@/lib/dal/session';
import { isServiceError } from '@/lib/errors';
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
  const mailbox = await getMailbox(address).catch((err) => {
    if (isServiceError(err)) notFound();
    throw err;
  });
  const defaults = await getMailboxDefaults();
  const rules = defaults[mailbox.domain]?.password ?? { minLength: 12, minClasses: 3 };
  return (
    <>
      <BackLink href="/mailboxes">Mailboxes</BackLink>
      <PageHeader
        title={mailbox.address}
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
            mailbox={{ address: mailbox.address, displayName: mailbox.displayName, quotaBytes: mailbox.quotaBytes, enabled: mailbox.enabled }}
          />
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
