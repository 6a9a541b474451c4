import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { DomainNames } from '@/components/ui/domain-name';
import { Card, CardTitle } from '@/components/ui/card';
import { getCertificateStatus } from '@/lib/dal/certificates';

const tone = { OK: 'ok', WARNING: 'warn', CRITICAL: 'danger' } as const;
const short = (fp: string | null) => (fp ? `${fp.slice(0, 17)}…${fp.slice(-8)}` : '—');

/**
 * Dashboard card: the ACTIVE certificates with days left (warnings at 30/14/7/3),
 * and per daemon the fingerprint it is serving right now (daemon_status.details.
 * tlsFingerprint) — an admin watches a rotation happen here.
 */
export async function CertificateCard() {
  const status = await getCertificateStatus();
  // Monitoring counts a valid self-signed certificate as fine (it is served); mail clients
  // refuse it, so for the admin it is something to replace.
  const selfSigned = status.certificates.some((c) => c.source === 'SELF_SIGNED');
  const overall = status.status === 'OK' && selfSigned ? 'warn' : tone[status.status];
  return (
    <Card data-testid="certificate-card">
      <div className="flex items-center justify-between gap-2">
        <CardTitle>Certificates</CardTitle>
        <div className="flex items-center gap-2">
          <span data-testid="certificate-overall" data-tone={overall}>
            <Badge tone={overall}>{status.status === 'OK' && selfSigned ? 'self-signed' : status.status.toLowerCase()}</Badge>
          </span>
          <Link href="/certificates" className="text-sm text-accent underline underline-offset-2 hover:no-underline">
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
              <span className="font-medium">
                <DomainNames names={c.hosts} />
              </span>
              <Badge tone={c.level === 'ok' ? 'ok' : c.level === 'warning' ? 'warn' : 'danger'}>
                {c.level === 'expired' ? 'expired' : `${c.daysLeft} days left`}
              </Badge>
              {c.source === 'SELF_SIGNED' ? (
                <Badge tone="warn">self-signed: mail clients will warn</Badge>
              ) : (
                <span className="text-xs text-muted">{c.source.replace('_', ' ').toLowerCase()}</span>
              )}
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
