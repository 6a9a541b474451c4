import type { Metadata } from 'next';
import { BackLink } from '@/components/ui/back-link';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/dal/session';
import { AnalyzeForm } from './analyze-form';

export const metadata: Metadata = { title: 'Header analyzer' };

export default async function AnalyzePage() {
  await requireAdmin();
  return (
    <>
      <BackLink href="/tls">TLS</BackLink>
      <PageHeader
        title="Header analyzer"
        description="Paste the headers of any message: each Received header becomes a hop, marked with its TLS version and cipher or as cleartext; the weakest hop is called out. Authentication-Results fields show who checked what (SPF, DKIM, DMARC…), and ARC sets are listed by instance."
      />
      <AnalyzeForm />
    </>
  );
}
