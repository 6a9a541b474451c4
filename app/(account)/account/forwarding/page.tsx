import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/lib/dal/db';
import { requireMailUser } from '@/lib/dal/mail-user';
import { getForwarding, MAX_FORWARDS } from '@/lib/self-service';
import { ForwardingForm } from './forwarding-form';

export const metadata: Metadata = { title: 'Forwarding' };

export default async function ForwardingPage() {
  const user = await requireMailUser();
  const f = await getForwarding(db(), user);
  return (
    <>
      <PageHeader title="Forwarding" description={`Send a copy of every message you receive to up to ${MAX_FORWARDS} other addresses.`} />
      <Card>
        {f.allowed ? (
          <ForwardingForm destinations={f.destinations} keepCopy={f.keepCopy} />
        ) : (
          <p className="text-sm" data-testid="forwarding-off">
            Your administrator has not allowed forwarding for your domain.
            {f.destinations.length ? ` Your earlier forwarding to ${f.destinations.join(', ')} is paused.` : ''}
          </p>
        )}
      </Card>
    </>
  );
}
