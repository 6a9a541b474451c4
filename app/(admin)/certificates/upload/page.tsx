import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { getCertificateHostPrefill } from '@/lib/dal/certificates';
import { UploadForm } from '../forms';

export const metadata: Metadata = { title: 'Upload a certificate' };

export default async function UploadPage() {
  const defaultHosts = await getCertificateHostPrefill();
  return (
    <>
      <PageHeader
        title="Upload a certificate"
        description="Checked before it is stored: the key matches, the chain is in order and its signatures verify, it is valid now, it covers the host names, the key is strong enough, and it is a server certificate."
      />
      <UploadForm defaultHosts={defaultHosts} />
    </>
  );
}
