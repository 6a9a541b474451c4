import type { Metadata } from 'next';
import { CreatePage } from '@/components/ui/create-page';
import { idnDisplay } from '@/components/ui/domain-name';
import { getDomains } from '@/lib/dal/domains';
import { getMailboxDefaults } from '@/lib/dal/mailboxes';
import { requireAdmin } from '@/lib/dal/session';
import { CreateMailboxForm } from './create-form';

export const metadata: Metadata = { title: 'New mailbox' };

export default async function NewMailboxPage({ searchParams }: { searchParams: Promise<{ domain?: string }> }) {
  await requireAdmin();
  const [{ domain }, domains, defaults] = await Promise.all([searchParams, getDomains(), getMailboxDefaults()]);
  const choices = domains.map((d) => {
    return { name: d.name, label: `${idnDisplay(d.name).text}${d.enabled ? '' : ' (disabled)'}` };
  });
  return (
    <CreatePage list={{ href: '/mailboxes', label: 'Mailboxes' }} title="New mailbox" description="An address someone signs in to, with its own mail and quota.">
      <CreateMailboxForm domains={choices} defaults={defaults} initialDomain={choices.some((c) => c.name === domain) ? domain : undefined} />
    </CreatePage>
  );
}
