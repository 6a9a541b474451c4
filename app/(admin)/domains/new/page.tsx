import type { Metadata } from 'next';
import { CreatePage } from '@/components/ui/create-page';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { CreateDomainForm } from './create-form';

export const metadata: Metadata = { title: 'New domain' };

export default async function NewDomainPage() {
  // Only a global admin adds domains (the service refuses anyone else too).
  await requireGlobalAdmin();
  return (
    <CreatePage list={{ href: '/domains', label: 'Domains' }} title="New domain" description="A domain this server receives mail for. Its DNS records are listed once it is added.">
      <CreateDomainForm />
    </CreatePage>
  );
}
