import type { Metadata } from 'next';
import Link from 'next/link';
import { buttonClass } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdmin } from '@/lib/dal/session';
import { dryRunAction, importAction } from './actions';
import { ImportForm } from './import-form';

export const metadata: Metadata = { title: 'Import mailboxes' };

export default async function ImportMailboxesPage() {
  const actor = await requireAdmin();
  return (
    <>
      <PageHeader
        title="Import mailboxes"
        description={
          actor.role === 'GLOBAL'
            ? 'Create many mailboxes from a CSV file. Every row is checked first — nothing is written until you import.'
            : 'Create many mailboxes in your domains from a CSV file. Every row is checked first — nothing is written until you import.'
        }
        actions={
          <Link href="/mailboxes" className={buttonClass('secondary', 'sm')}>
            Back to mailboxes
          </Link>
        }
      />
      <ImportForm dryRun={dryRunAction} runImport={importAction} />
    </>
  );
}
