import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { getCertificateHostPrefill } from '@/lib/dal/certificates';
import { AcmeForm } from '../forms';

export const metadata: Metadata = { title: 'ACME' };

export default async function AcmePage() {
  const defaultHosts = await getCertificateHostPrefill();
  return (
    <>
      <PageHeader
        title="Certificate over ACME"
        description="RFC 8555 with the HTTP-01 challenge: the CA fetches http://<host>/.well-known/acme-challenge/<token> from this panel, so each name must point here and port 80 must reach it. Renewed automatically before expiry: Policies → Certificates sets how many days before."
      />
      <AcmeForm defaultHosts={defaultHosts} />
    </>
  );
}
