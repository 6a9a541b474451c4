import type { Metadata } from 'next';
import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getCertificateHostPrefill, getIssuingCas } from '@/lib/dal/certificates';
import { IssueForm } from '../forms';

export const metadata: Metadata = { title: 'Issue a certificate' };

export default async function IssuePage() {
  const [cas, defaultHosts] = await Promise.all([getIssuingCas(), getCertificateHostPrefill()]);
  return (
    <>
      <PageHeader title="Issue a server certificate" description="Signed by the internal CA, with the MX, submission and IMAP names as subject alternative names." />
      {cas.length ? (
        <IssueForm cas={cas} defaultHosts={defaultHosts} />
      ) : (
        <Card>
          <p className="text-sm">
            There is no CA yet. <Link className="text-accent hover:underline" href="/certificates/ca/new">Create one first.</Link>
          </p>
        </Card>
      )}
    </>
  );
}
