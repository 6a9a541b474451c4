import type { DbOrTx } from '@/lib/audit/types';
import { listDaemons } from './liveness';

/**
 * Whether mail is being served, as the panel's public /api/health says it: how many mail daemons
 * have a fresh heartbeat, and each known daemon's heartbeat age, alive or gone (a daemon that
 * crashed stays listed as gone until housekeeping forgets it). Numbered, never named: instance
 * ids carry host names and pids.
 */
export interface MailHealth {
  status: 'ok' | 'no mail daemon';
  /** Daemons whose heartbeat is younger than the gone bound. */
  alive: number;
  daemons: { daemon: string; state: 'alive' | 'gone'; heartbeatAgeSeconds: number }[];
}

/** More rows than this are not listed (housekeeping keeps a gone daemon's row for a day). */
const LISTED = 100;

export async function mailHealth(db: DbOrTx, options: { goneAfterMs: number; now?: Date }): Promise<MailHealth> {
  const known = await listDaemons(db, { ...options, take: LISTED });
  const alive = known.filter((d) => d.alive).length;
  return {
    status: alive ? 'ok' : 'no mail daemon',
    alive,
    daemons: known.map((d, i) => ({ daemon: `daemon-${i + 1}`, state: d.alive ? 'alive' : 'gone', heartbeatAgeSeconds: Math.floor(d.ageMs / 1000) })),
  };
}
