import type { Db } from '@/lib/db/prisma';
import { firingAlerts } from './conditions';
import { getMonitoringSettings } from './settings';

/** pg_advisory_xact_lock key of the alert pass: one daemon at a time compares and records. */
const ALERT_LOCK = 0x616c657274; // "alert"

/** Sent notices older than this are deleted by the pass. */
export const NOTICE_RETENTION_DAYS = 90;

/**
 * One evaluation: conditions that started firing get a state row and a notice, conditions
 * that stopped lose theirs and get a "resolved" notice; old sent notices go. Under a transaction-level advisory
 * lock, so two daemons passing at once announce a condition once; the other one skips.
 */
export async function recordAlerts(db: Db, now = new Date()): Promise<{ fired: number; resolved: number } | null> {
  return db.$transaction(async (tx) => {
    const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${ALERT_LOCK}::bigint) AS locked`;
    if (!locked) return null;
    const settings = await getMonitoringSettings(tx);
    const firing = await firingAlerts(tx, settings, now);
    const known = await tx.alertState.findMany();
    const knownKeys = new Set(known.map((k) => k.key));
    const firingKeys = new Set(firing.map((f) => f.key));
    const started = firing.filter((f) => !knownKeys.has(f.key));
    const stopped = known.filter((k) => !firingKeys.has(k.key));
    if (started.length) {
      await tx.alertState.createMany({ data: started.map((f) => ({ key: f.key, kind: f.kind, summary: f.summary, firingSince: now })) });
    }
    if (stopped.length) await tx.alertState.deleteMany({ where: { key: { in: stopped.map((s) => s.key) } } });
    const notices = [
      ...started.map((f) => ({ kind: f.kind, subject: `[Postern] ${f.summary}`, body: `${f.summary}.\n\nFiring since ${now.toISOString()}.\n` })),
      ...stopped.map((s) => ({ kind: `${s.kind}_resolved`, subject: `[Postern] resolved: ${s.summary}`, body: `Resolved at ${now.toISOString()} (firing since ${s.firingSince.toISOString()}):\n${s.summary}.\n` })),
    ];
    if (notices.length) await tx.alertNotice.createMany({ data: notices.map((n) => ({ ...n, createdAt: now })) });
    // The alerts page lists the last notices; sent ones are not kept forever.
    await tx.alertNotice.deleteMany({ where: { sentAt: { lt: new Date(now.getTime() - NOTICE_RETENTION_DAYS * 86_400_000) } } });
    return { fired: started.length, resolved: stopped.length };
  });
}
