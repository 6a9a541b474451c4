import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { getHostNameReport } from '@/lib/dal/dns';

/**
 * Dashboard card: domains whose last DNS check found a record not right, and the host name
 * trap — POSTERN_HOSTNAME bare or not resolving to this server breaks every record at once.
 */
export async function DnsCard({ domainsWithProblems }: { domainsWithProblems: number }) {
  const host = await getHostNameReport();
  return (
    <Card data-testid="dns-card">
      <div className="flex items-center justify-between gap-2">
        <CardTitle>DNS</CardTitle>
        <Link href="/domains" className="text-sm text-accent underline underline-offset-2 hover:no-underline">
          Details
        </Link>
      </div>
      <p className="mt-2 text-sm" data-testid="dns-problem-count">
        {domainsWithProblems ? (
          <>
            <Badge tone="warn">{domainsWithProblems}</Badge> {domainsWithProblems === 1 ? 'domain has' : 'domains have'} DNS records not right at their last check.
          </>
        ) : (
          <>
            <Badge tone="ok">0</Badge> domains with DNS problems at their last check.
          </>
        )}
      </p>
      <p className="mt-2 text-sm">
        Host name <span className="font-mono">{host.host}</span>
        {host.addresses.length ? <span className="text-muted"> → {host.addresses.join(', ')}</span> : null}
      </p>
      {host.warnings.length ? (
        <div role="alert">
          <ul className="mt-2 space-y-1 text-sm text-warn" data-testid="host-name-warnings">
            {host.warnings.map((w) => (
              <li key={w}>⚠ {w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}
