import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { getPendingCsrs } from '@/lib/dal/certificates';
import { CsrForm, ImportForm } from '../forms';

export const metadata: Metadata = { title: 'Certificate request' };

export default async function CsrPage() {
  const pending = await getPendingCsrs();
  return (
    <>
      <PageHeader
        title="Certificate from an external CA"
        description="The key is generated here and never leaves the server (sealed with the master key). The CA's answer is checked against it."
      />
      <div className="grid gap-6">
        <CsrForm />
        <ImportForm requests={pending} />
      </div>
    </>
  );
}
