import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { CaForm } from '../../forms';

export const metadata: Metadata = { title: 'Create CA' };

export default async function NewCaPage() {
  await requireGlobalAdmin();
  return (
    <>
      <PageHeader
        title="Create an internal CA"
        description="A root with path length 0 signs server and S/MIME certificates directly; add an intermediate to keep the root's key out of daily use. Download the root afterwards for clients to trust."
      />
      <CaForm />
    </>
  );
}
