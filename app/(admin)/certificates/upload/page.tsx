import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { readEnv } from '@/lib/config/env';
import { hostNamePrefill } from '@/lib/dns-records/host-name';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { UploadForm } from '../forms';

export const metadata: Metadata = { title: 'Upload a certificate' };

export default async function UploadPage() {
  await requireGlobalAdmin();
  return (
    <>
      <PageHeader
        title="Upload a certificate"
        description="Checked before it is stored: the key matches, the chain is in order and its signatures verify, it is valid now, it covers the host names, the key is strong enough, and it is a server certificate."
      />
      <UploadForm defaultHosts={hostNamePrefill(readEnv().POSTERN_HOSTNAME)} />
    </>
  );
}
