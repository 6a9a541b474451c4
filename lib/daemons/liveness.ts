import type { DbOrTx } from '@/lib/audit/types';

/**
 * Which mail daemons are alive, read from their daemon_status heartbeats. A daemon that
 * stops cleanly removes its row; one that crashed (kill -9, OOM, power) leaves it behind, and
 * its heartbeat only grows older: past `goneAfterMs` it is gone, past DAEMON_ROW_RETENTION_HOURS
 * housekeeping deletes the row. One reading for the panel, the CLI and monitoring.
 */
export interface DaemonLiveness {
  instanceId: string;
  hostname: string;
  version: string;
  startedAt: Date;
  heartbeatAt: Date;
  /** Milliseconds since the last heartbeat. */
  ageMs: number;
  alive: boolean;
  listeners: { name: string; port: number; tls?: string }[];
  /** What the daemon reports of itself (daemon_status.details), e.g. the served TLS fingerprint. */
  details: Record<string, unknown>;
}

/** Rows of daemons gone longer than this are deleted (mail-daemon/housekeeping.ts). */
export const DAEMON_ROW_RETENTION_HOURS = 24;

/** POSTERN_DAEMON_GONE_SECONDS as milliseconds. */
export const goneAfterMsOf = (env: { POSTERN_DAEMON_GONE_SECONDS: number }) => env.POSTERN_DAEMON_GONE_SECONDS * 1000;

function listenersOf(value: unknown): DaemonLiveness['listeners'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((l): l is Record<string, unknown> => typeof l === 'object' && l !== null)
    .map((l) => ({ name: String(l.name ?? ''), port: Number(l.port ?? 0), tls: l.tls === undefined ? undefined : String(l.tls) }));
}

/** Every daemon that has a row, the freshest heartbeat first. */
export async function listDaemons(db: DbOrTx, options: { goneAfterMs: number; now?: Date; take?: number }): Promise<DaemonLiveness[]> {
  const now = options.now ?? new Date();
  const rows = await db.daemonStatus.findMany({ orderBy: { heartbeatAt: 'desc' }, take: options.take });
  return rows.map((d) => {
    const ageMs = Math.max(0, now.getTime() - d.heartbeatAt.getTime());
    return {
      instanceId: d.instanceId,
      hostname: d.hostname,
      version: d.version,
      startedAt: d.startedAt,
      heartbeatAt: d.heartbeatAt,
      ageMs,
      alive: ageMs < options.goneAfterMs,
      listeners: listenersOf(d.listeners),
      details: typeof d.details === 'object' && d.details !== null && !Array.isArray(d.details) ? (d.details as Record<string, unknown>) : {},
    };
  });
}
