import type { DbOrTx } from '@/lib/audit/types';
import { SEND_LIMIT_ACTION } from '@/lib/queue/count-send-limited';
import type { MonitoringSettingsDto } from './settings';

/** One condition that holds now; `key` names it across passes ("cert:<id>", "queue", ...). */
export interface Firing {
  key: string;
  kind: 'certificate_expiry' | 'certificate_renewal' | 'daemon_silent' | 'queue_size' | 'send_limit';
  summary: string;
}

const DAY_MS = 86_400_000;

/** Everything that should be alerting now, read from the database alone (any daemon reads the same). */
export async function firingAlerts(db: DbOrTx, settings: MonitoringSettingsDto, now = new Date()): Promise<Firing[]> {
  const out: Firing[] = [];
  const certs = await db.certificate.findMany({
    where: { status: 'ACTIVE', notAfter: { lt: new Date(now.getTime() + settings.certDays * DAY_MS) } },
    select: { id: true, hosts: true, notAfter: true },
  });
  for (const c of certs) {
    const days = Math.floor((c.notAfter!.getTime() - now.getTime()) / DAY_MS);
    out.push({
      key: `cert:${c.id}`,
      kind: 'certificate_expiry',
      summary: days < 0 ? `the certificate for ${c.hosts.join(', ')} has expired` : `the certificate for ${c.hosts.join(', ')} expires in ${days} day${days === 1 ? '' : 's'}`,
    });
  }

  // A renewal that failed in the last day and has not succeeded since.
  const renewals = await db.auditLog.findMany({
    where: { action: { in: ['certificate.renew_failed', 'certificate.renew'] }, at: { gt: new Date(now.getTime() - DAY_MS) } },
    orderBy: { at: 'asc' },
    select: { action: true, target: true, after: true },
  });
  const lastRenewal = new Map<string, { failed: boolean; after: unknown }>();
  for (const r of renewals) if (r.target) lastRenewal.set(r.target, { failed: r.action === 'certificate.renew_failed', after: r.after });
  for (const [id, r] of lastRenewal) {
    if (!r.failed) continue;
    const a = (r.after ?? {}) as { hosts?: string[]; error?: string };
    out.push({ key: `renew:${id}`, kind: 'certificate_renewal', summary: `renewing the certificate for ${(a.hosts ?? [id]).join(', ')} failed: ${String(a.error ?? 'unknown error').slice(0, 300)}` });
  }

  const silentSince = new Date(now.getTime() - settings.daemonSilentMinutes * 60_000);
  for (const d of await db.daemonStatus.findMany({ where: { heartbeatAt: { lt: silentSince } }, select: { instanceId: true, hostname: true, heartbeatAt: true } })) {
    const minutes = Math.floor((now.getTime() - d.heartbeatAt.getTime()) / 60_000);
    out.push({ key: `daemon:${d.instanceId}`, kind: 'daemon_silent', summary: `the mail daemon ${d.instanceId} on ${d.hostname} has not been heard from for ${minutes} minutes` });
  }

  const waiting = await db.outboundMessage.count({ where: { status: { in: ['QUEUED', 'DEFERRED'] } } });
  if (waiting > settings.queueThreshold) {
    out.push({ key: 'queue', kind: 'queue_size', summary: `${waiting} recipients are waiting in the outbound queue (the threshold is ${settings.queueThreshold})` });
  }

  if (settings.sendLimitAlerts) {
    const hits = await db.auditLog.findMany({
      where: { action: SEND_LIMIT_ACTION, at: { gt: new Date(now.getTime() - 3_600_000) } },
      select: { target: true },
      distinct: ['target'],
    });
    for (const h of hits) if (h.target) out.push({ key: `send-limit:${h.target}`, kind: 'send_limit', summary: `${h.target} reached a send limit (a stolen password shows so first)` });
  }
  return out;
}
