import type { Metadata } from 'next';
import { Card, CardTitle } from '@/components/ui/card';
import { DomainName } from '@/components/ui/domain-name';
import { formatBytes } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAccountOverview } from '@/lib/dal/account';
import { QuotaBar } from '../../(admin)/mailboxes/quota-bar';

export const metadata: Metadata = { title: 'Your mailbox' };

const SERVICE: Record<string, string> = { imap: 'IMAP', submission: 'SMTP submission', pop3: 'POP3' };

export default async function AccountOverviewPage() {
  const { overview, logins } = await getAccountOverview();
  return (
    <>
      <PageHeader title="Your mailbox" description={
          overview.displayName ? (
            <>
              {overview.displayName} &lt;
              <DomainName name={overview.address} />
              &gt;
            </>
          ) : (
            <DomainName name={overview.address} />
          )
        } />
      <div className="space-y-6">
        <Card data-testid="quota">
          <CardTitle>Storage</CardTitle>
          <p className="mt-2 text-sm">
            {formatBytes(overview.usedBytes)} used{overview.quotaBytes > 0 ? ` of ${formatBytes(overview.quotaBytes)}` : ' (no limit)'}
          </p>
          {overview.quotaBytes > 0 ? (
            <div className="mt-2 max-w-md">
              <QuotaBar used={overview.usedBytes} quota={overview.quotaBytes} />
            </div>
          ) : null}
        </Card>
        <Card>
          <CardTitle>Recent mail client sign-ins</CardTitle>
          {logins.length ? (
            <Table className="mt-2" aria-label="Recent sign-ins">
              <thead>
                <tr>
                  <Th>Last</Th>
                  <Th>Service</Th>
                  <Th>From</Th>
                  <Th>TLS</Th>
                  <Th>Sign-ins that day</Th>
                </tr>
              </thead>
              <tbody>
                {logins.map((l) => (
                  <tr key={`${l.day.toISOString()}-${l.service}-${l.clientIp}-${l.tlsVersion}-${l.cipher}`}>
                    <Td>{l.lastAt.toISOString().replace('T', ' ').slice(0, 16)} UTC</Td>
                    <Td>{SERVICE[l.service] ?? l.service}</Td>
                    <Td>{l.clientIp}</Td>
                    <Td>{l.tlsVersion === 'none' ? 'none (cleartext)' : `${l.tlsVersion} ${l.cipher}`}</Td>
                    <Td className="tabular-nums">{l.logins}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="mt-2 text-sm text-muted">No mail client has signed in yet.</p>
          )}
        </Card>
      </div>
    </>
  );
}
