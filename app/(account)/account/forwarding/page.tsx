import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { DomainNames } from '@/components/ui/domain-name';
import { PageHeader } from '@/components/ui/page-header';
import { getAccountForwarding, MAX_FORWARDS } from '@/lib/dal/account';
import { ForwardingForm } from './forwarding-form';

export const metadata: Metadata = { title: 'Forwarding' };

export default async function ForwardingPage() {
  const f = await getAccountForwarding();
  return (
    <>
      <PageHeader title="Forwarding" description={`Send a copy of every message you receive to up to ${MAX_FORWARDS} other addresses.`} />
      <Card>
        {f.allowed ? (
          <ForwardingForm destinations={f.destinations} keepCopy={f.keepCopy} />
        ) : (
          <p className="text-sm" data-testid="forwarding-off">
            Your administrator has not allowed forwarding for your domain.
            {f.destinations.length ? (
              <>
                {' '}
                Your earlier forwarding to <DomainNames names={f.destinations} /> is paused.
              </>
            ) : null}
          </p>
        )}
      </Card>
    </>
  );
}
