import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle, Stat } from '@/components/ui/card';
import { formatBytes, formatDuration } from '@/components/ui/format';
import { PageHeader } from '@/components/ui/page-header';
import { getDashboard, type DaemonView } from '@/lib/dal/dashboard';
import { TlsCard } from '@/components/dashboard/tls-card';
import { CertificateCard } from '@/components/dashboard/certificate-card';
import { DnsCard } from '@/components/dashboard/dns-card';
import { FirstStepsCard } from '@/components/dashboard/first-steps';

export const metadata: Metadata = { title: 'Dashboard' };

function DaemonCard({ daemon, now }: { daemon: DaemonView; now: Date }) {
  return (
    <Card data-testid="daemon-status">
      <div className="flex items-center justify-between gap-2">
        <CardTitle>Mail daemon · {daemon.hostname}</CardTitle>
        <Badge tone={daemon.alive ? 'ok' : 'danger'}>{daemon.alive ? 'online' : 'gone'}</Badge>
      </div>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">Instance</dt>
        <dd className="font-mono text-xs">{daemon.instanceId}</dd>
        <dt className="text-muted">Version</dt>
        <dd>{daemon.version}</dd>
        <dt className="text-muted">Uptime</dt>
        <dd>{daemon.alive ? formatDuration(now.getTime() - daemon.startedAt.getTime()) : '—'}</dd>
        <dt className="text-muted">Last heartbeat</dt>
        <dd>
          {formatDuration(now.getTime() - daemon.heartbeatAt.getTime())} ago
          {daemon.alive ? null : <span className="text-muted"> · stopped without signing off (crashed or killed); forgotten after a day</span>}
        </dd>
        <dt className="text-muted">Listeners</dt>
        <dd>
          {daemon.listeners.length ? (
            <ul className="flex flex-wrap gap-1">
              {daemon.listeners.map((l) => (
                <li key={`${l.name}-${l.port}`}>
                  <Badge>
                    {l.name} :{l.port}
                    {l.tls ? ` · ${l.tls}` : ''}
                  </Badge>
                </li>
              ))}
            </ul>
          ) : (
            <span className="text-muted">none yet</span>
          )}
        </dd>
      </dl>
    </Card>
  );
}

export default async function DashboardPage() {
  const data = await getDashboard();
  const { counts } = data;
  return (
    <>
      <PageHeader title="Dashboard" />
      {Object.values(data.firstSteps).every(Boolean) ? null : <FirstStepsCard steps={data.firstSteps} />}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Domains" value={counts.domains.toLocaleString('en')} />
        <Stat label="Mailboxes" value={counts.mailboxes.toLocaleString('en')} />
        <Stat label="Aliases" value={counts.aliases.toLocaleString('en')} />
        <Stat
          label="Storage used"
          value={formatBytes(counts.usedBytes)}
          hint={counts.quotaBytes > BigInt(0) ? `of ${formatBytes(counts.quotaBytes)} allotted` : undefined}
        />
      </div>

      <h2 className="mb-3 mt-8 text-lg font-semibold">Mail daemon</h2>
      <div className="grid gap-4 lg:grid-cols-2">
        {data.daemons.length ? (
          data.daemons.map((d) => <DaemonCard key={d.instanceId} daemon={d} now={data.now} />)
        ) : (
          <Card data-testid="daemon-status">
            <CardTitle>Mail daemon</CardTitle>
            <p className="mt-2 text-sm">
              <Badge tone="danger">offline</Badge> <span className="text-muted">No mail daemon is reporting.</span>
            </p>
          </Card>
        )}
        {data.outboundQueue === null ? null : (
          <Link href="/queue" className="block rounded-lg focus-visible:outline-2 focus-visible:outline-accent" data-testid="queue-card">
            <Stat label="Outbound queue" value={data.outboundQueue.toLocaleString('en')} hint="messages waiting for delivery (queued or deferred) · open the queue →" />
          </Link>
        )}
        <Link href="/audit?action=mailbox.send_limit_reached" className="block rounded-lg focus-visible:outline-2 focus-visible:outline-accent" data-testid="send-limit-card">
          <Stat
            label="Send limits reached"
            value={data.sendLimited.toLocaleString('en')}
            hint={data.sendLimited ? 'mailboxes stopped by a send limit in the last 24 h (a stolen password?) · see the audit log →' : 'no mailbox hit a send limit in the last 24 h'}
          />
        </Link>
      </div>

      <div className="mt-8 grid gap-4 lg:grid-cols-2">
        <CertificateCard />
        <DnsCard domainsWithProblems={data.dnsProblems} />
        <TlsCard />
      </div>
    </>
  );
}
