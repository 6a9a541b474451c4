import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { listCertificates } from '@/lib/certificates';
import { db } from '@/lib/dal/db';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { CsrForm, ImportForm } from '../forms';

export const metadata: Metadata = { title: 'Certificate request' };

export default async function CsrPage() {
  const admin = await requireGlobalAdmin();
  const pending = (await listCertificates(db(), admin, { status: 'PENDING' })).filter((c) => c.awaitingCertificate && c.source === 'CSR');
  return (
    <>
      <PageHeader
        title="Certificate from an external CA"
        description="The key is generated here and never leaves the server (sealed with the master key). The CA's answer is checked against it."
      />
      <div className="grid gap-6">
        <CsrForm />
        <ImportForm requests={pending.map((p) => ({ id: p.id, hosts: p.hosts }))} />
      </div>
    </>
  );
}
