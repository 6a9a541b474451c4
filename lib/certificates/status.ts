import type { DbOrTx } from '@/lib/audit/types';
import { readEnv } from '@/lib/config/env';
import { goneAfterMsOf, listDaemons } from '@/lib/daemons/liveness';
import { expiryOf, type ExpiryLevel } from './expiry';

export type MonitoringStatus = 'OK' | 'WARNING' | 'CRITICAL';

export interface CertificateStatusReport {
  status: MonitoringStatus;
  /** Fewest days left among the ACTIVE certificates. */
  minDaysLeft: number | null;
  certificates: { id: string; hosts: string[]; source: string; notAfter: Date | null; daysLeft: number | null; level: ExpiryLevel; fingerprintSha256: string | null }[];
  /** What each live daemon says it serves right now (daemon_status.details.tlsFingerprint). */
  daemons: { instanceId: string; heartbeatAt: Date; tlsFingerprint: string | null; servesActive: boolean }[];
  /**
   * Daemons that stopped without signing off (crashed, killed: their heartbeat passed the gone
   * bound) and that no live daemon on the same host has replaced: mail they served is missing.
   * Listed until housekeeping forgets their row (DAEMON_ROW_RETENTION_HOURS).
   */
  missing: { instanceId: string; heartbeatAt: Date }[];
  /**
   * Why mail is not served with the active certificates although they are valid: no live daemon,
   * a daemon missing, or live daemons serving another one. Each makes `status` at least WARNING.
   * Names no daemon.
   */
  warnings: string[];
}

/**
 * For monitoring (Icinga/Nagios check, Prometheus text): the ACTIVE certificates
 * with days left and a worst-of status, plus each live daemon's served fingerprint;
 * valid certificates nobody serves (no live daemon, a daemon gone and not replaced, or one
 * serving another) are a warning.
 * Only facts any TLS client can already see — no keys, no internals.
 */
export async function certificateStatus(db: DbOrTx, now = new Date(), goneAfterMs = goneAfterMsOf(readEnv())): Promise<CertificateStatusReport> {
  const [active, known] = await Promise.all([
    db.certificate.findMany({
      where: { status: 'ACTIVE' },
      select: { id: true, hosts: true, source: true, notAfter: true, fingerprintSha256: true },
      orderBy: { notAfter: 'asc' },
    }),
    listDaemons(db, { goneAfterMs, now }),
  ]);
  const daemons = known.filter((d) => d.alive);
  const certificates = active.map((c) => {
    const e = expiryOf(c.notAfter, now);
    return { ...c, daysLeft: e.daysLeft, level: e.level };
  });
  const fingerprints = new Set(active.map((c) => c.fingerprintSha256));
  const served = daemons.map((d) => {
    const fp = typeof d.details.tlsFingerprint === 'string' ? d.details.tlsFingerprint : null;
    return { instanceId: d.instanceId, heartbeatAt: d.heartbeatAt, tlsFingerprint: fp, servesActive: fp !== null && fingerprints.has(fp) };
  });
  const stale = served.filter((d) => !d.servesActive).length;
  // A daemon restarted on its host (a new process, a new instance id) replaces the one that died there.
  const liveHosts = new Set(daemons.map((d) => d.hostname));
  const missing = known.filter((d) => !d.alive && !liveHosts.has(d.hostname)).map((d) => ({ instanceId: d.instanceId, heartbeatAt: d.heartbeatAt }));
  const warnings = [
    ...(served.length ? [] : ['no mail daemon is alive']),
    ...(served.length && missing.length ? [`${missing.length} mail daemon${missing.length > 1 ? 's' : ''} stopped without signing off and not replaced on ${missing.length > 1 ? 'their hosts' : 'its host'}`] : []),
    ...(stale ? [`${stale} of ${served.length} live mail daemons serve a certificate other than the active one`] : []),
  ];
  const levels = certificates.map((c) => c.level);
  const status: MonitoringStatus =
    !certificates.length || levels.includes('expired') || levels.includes('critical')
      ? 'CRITICAL'
      : levels.includes('warning') || warnings.length
        ? 'WARNING'
        : 'OK';
  const days = certificates.map((c) => c.daysLeft).filter((d): d is number => d !== null);
  return { status, minDaysLeft: days.length ? Math.min(...days) : null, certificates, daemons: served, missing, warnings };
}

/** The same facts as Prometheus text exposition. */
export function toPrometheus(report: CertificateStatusReport): string {
  const lines = [
    '# HELP postern_certificate_expiry_days Days until an ACTIVE certificate expires.',
    '# TYPE postern_certificate_expiry_days gauge',
    ...report.certificates.map((c) => `postern_certificate_expiry_days{id="${c.id}",hosts="${c.hosts.join(',')}"} ${c.daysLeft ?? 0}`),
    '# HELP postern_certificate_status 0 OK, 1 WARNING, 2 CRITICAL.',
    '# TYPE postern_certificate_status gauge',
    `postern_certificate_status ${report.status === 'OK' ? 0 : report.status === 'WARNING' ? 1 : 2}`,
    '# HELP postern_daemon_serves_active_certificate 1 when the daemon serves an ACTIVE certificate.',
    '# TYPE postern_daemon_serves_active_certificate gauge',
    ...report.daemons.map((d) => `postern_daemon_serves_active_certificate{instance="${d.instanceId}"} ${d.servesActive ? 1 : 0}`),
    '# HELP postern_mail_daemons_alive Mail daemons whose heartbeat is fresh.',
    '# TYPE postern_mail_daemons_alive gauge',
    `postern_mail_daemons_alive ${report.daemons.length}`,
    '# HELP postern_mail_daemons_missing Mail daemons gone without signing off and not replaced on their host.',
    '# TYPE postern_mail_daemons_missing gauge',
    `postern_mail_daemons_missing ${report.missing.length}`,
  ];
  return lines.join('\n') + '\n';
}
