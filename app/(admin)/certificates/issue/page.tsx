import type { Metadata } from 'next';
import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { listCas } from '@/lib/certificates';
import { readEnv } from '@/lib/config/env';
import { hostNamePrefill } from '@/lib/dns-records/host-name';
import { db } from '@/lib/dal/db';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { IssueForm } from '../forms';

export const metadata: Metadata = { title: 'Issue a certificate' };

export default async function IssuePage() {
  const admin = await requireGlobalAdmin();
  const cas = (await listCas(db(), admin)).filter((c) => c.pathLen === 0 && c.expiry.level !== 'expired');
  return (
    <>
      <PageHeader title="Issue a server certificate" description="Signed by the internal CA, with the MX, submission and IMAP names as subject alternative names." />
      {cas.length ? (
        <IssueForm cas={cas.map((c) => ({ id: c.id, name: c.name }))} defaultHosts={hostNamePrefill(readEnv().POSTERN_HOSTNAME)} />
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
