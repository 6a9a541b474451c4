import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { certificateStatus } from '@/lib/certificates/status';
import { db } from '@/lib/dal/db';
import { requireAdmin } from '@/lib/dal/session';

const tone = { OK: 'ok', WARNING: 'warn', CRITICAL: 'danger' } as const;
const short = (fp: string | null) => (fp ? `${fp.slice(0, 17)}…${fp.slice(-8)}` : '—');

/**
 * Dashboard card: the ACTIVE certificates with days left (warnings at 30/14/7/3),
 * and per daemon the fingerprint it is serving right now (daemon_status.details.
 * tlsFingerprint) — an admin watches a rotation happen here.
 */
export async function CertificateCard() {
  await requireAdmin();
  const status = await certificateStatus(db());
  return (
    <Card data-testid="certificate-card">
      <div className="flex items-center justify-between gap-2">
        <CardTitle>Certificates</CardTitle>
        <div className="flex items-center gap-2">
          <Badge tone={tone[status.status]}>{status.status.toLowerCase()}</Badge>
          <Link href="/certificates" className="text-sm text-accent hover:underline">
            Manage
          </Link>
        </div>
      </div>
      {status.certificates.length === 0 ? (
        <p className="mt-3 text-sm text-muted">No active certificate.</p>
      ) : (
        <ul className="mt-3 space-y-1 text-sm">
          {status.certificates.map((c) => (
            <li key={c.id} className="flex flex-wrap items-center gap-2" data-certificate={c.id}>
              <span className="font-medium">{c.hosts.join(', ')}</span>
              <Badge tone={c.level === 'ok' ? 'ok' : c.level === 'warning' ? 'warn' : 'danger'}>
                {c.level === 'expired' ? 'expired' : `${c.daysLeft} days left`}
              </Badge>
              <span className="text-xs text-muted">{c.source.replace('_', ' ').toLowerCase()}</span>
            </li>
          ))}
        </ul>
      )}
      <h3 className="mt-4 text-xs font-semibold uppercase tracking-wide text-muted">Served by each daemon</h3>
      {status.daemons.length === 0 ? (
        <p className="mt-1 text-sm text-muted">No daemon is reporting.</p>
      ) : (
        <ul className="mt-1 space-y-1 text-sm">
          {status.daemons.map((d) => (
            <li key={d.instanceId} data-daemon={d.instanceId} className="flex flex-wrap items-center gap-2">
              <span className="text-muted">{d.instanceId.split(':')[0]}</span>
              <span className="font-mono text-xs" title={d.tlsFingerprint ?? ''} data-testid="served-fingerprint">
                {short(d.tlsFingerprint)}
              </span>
              {d.servesActive ? <Badge tone="ok">current</Badge> : <Badge tone="warn">switching…</Badge>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
