import type { Metadata } from 'next';
import { Card, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, Td, Th } from '@/components/ui/table';
import { getAlerts } from '@/lib/dal/alerts';
import { saveMonitoringAction, testAlertAction } from './actions';
import { SettingsForm, TestAlertButton } from './settings-form';

export const metadata: Metadata = { title: 'Alerts' };

const when = (d: Date | null) => (d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—');

export default async function AlertsPage() {
  const { settings, ...overview } = await getAlerts();
  return (
    <>
      <PageHeader
        title="Alerts and monitoring"
        description="Mail (and optionally a webhook) when a certificate nears expiry or fails to renew, a mail daemon goes silent, the queue grows past its threshold or a mailbox hits a send limit. The mail daemons check every minute; one of them sends. Prometheus reads /metrics."
      />
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="space-y-6">
          <Table aria-label="Firing now">
            <thead>
              <tr>
                <Th>Firing now</Th>
                <Th>Since</Th>
              </tr>
            </thead>
            <tbody>
              {overview.firing.length === 0 ? (
                <tr>
                  <Td colSpan={2} className="text-muted">
                    Nothing.
                  </Td>
                </tr>
              ) : null}
              {overview.firing.map((f) => (
                <tr key={f.key}>
                  <Td>{f.summary}</Td>
                  <Td className="whitespace-nowrap text-sm">{when(f.firingSince)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <Table aria-label="Recent notices">
            <thead>
              <tr>
                <Th>Notice</Th>
                <Th>Sent</Th>
                <Th>Mail</Th>
                <Th>Webhook</Th>
              </tr>
            </thead>
            <tbody>
              {overview.notices.length === 0 ? (
                <tr>
                  <Td colSpan={4} className="text-muted">
                    No notices yet.
                  </Td>
                </tr>
              ) : null}
              {overview.notices.map((n) => (
                <tr key={n.id} data-notice={n.kind}>
                  <Td className="break-words">{n.subject}</Td>
                  <Td className="whitespace-nowrap text-sm">{n.sentAt ? when(n.sentAt) : 'waiting'}</Td>
                  <Td className="text-sm">{n.mailResult ?? '—'}</Td>
                  <Td className="text-sm">{n.webhookResult ?? '—'}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </div>
        <Card className="h-fit space-y-4">
          <CardTitle>Settings</CardTitle>
          <SettingsForm action={saveMonitoringAction} settings={settings} />
          <TestAlertButton action={testAlertAction} />
        </Card>
      </div>
    </>
  );
}
