import type { Metadata } from 'next';
import { CreatePage } from '@/components/ui/create-page';
import { getAliasFormChoices } from '@/lib/dal/aliases';
import { CreateAliasForm } from './create-form';

export const metadata: Metadata = { title: 'New alias' };

export default async function NewAliasPage() {
  const { domains, recipientDelimiter } = await getAliasFormChoices();
  return (
    <CreatePage
      list={{ href: '/aliases', label: 'Aliases' }}
      title="New alias"
      description="An address without a mailbox of its own, or a domain's catch-all, whose mail goes to one or more other addresses."
    >
      <CreateAliasForm domains={domains} delimiter={recipientDelimiter} />
    </CreatePage>
  );
}
