import os from 'node:os';
import type { Db } from '@/lib/db/prisma';
import { processMetrics } from '@/lib/metrics/process-metrics';
import type { ListenerInfo } from './context';

export const HEARTBEAT_MS = 5000;

/** Keeps this daemon's row in daemon_status fresh so the panel can tell it is alive. */
export class StatusReporter {
  private timer?: NodeJS.Timeout;
  private details: Record<string, unknown> = {};
  private readonly startedAt = new Date();

  constructor(
    private readonly db: Db,
    private readonly instanceId: string,
    private readonly version: string,
    private readonly onError: (err: Error) => void,
  ) {}

  set(details: Record<string, unknown>): void {
    this.details = { ...this.details, ...details };
    void this.beat().catch(this.onError);
  }

  async start(listeners: ListenerInfo[]): Promise<void> {
    const row = {
      hostname: os.hostname(),
      version: this.version,
      startedAt: this.startedAt,
      heartbeatAt: new Date(),
      listeners: listeners as unknown as object[],
      details: this.published(),
    };
    await this.db.daemonStatus.upsert({ where: { instanceId: this.instanceId }, create: { instanceId: this.instanceId, ...row }, update: row });
    this.timer = setInterval(() => void this.beat().catch(this.onError), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** The facts, and this process's counters and gauges for /metrics (lib/metrics). */
  private published(): object {
    return { ...this.details, metrics: processMetrics.snapshot() };
  }

  private async beat(): Promise<void> {
    await this.db.daemonStatus.updateMany({
      where: { instanceId: this.instanceId },
      data: { heartbeatAt: new Date(), details: this.published() },
    });
  }

  /** Removes the row: a daemon that stopped cleanly is gone, not "offline". */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.db.daemonStatus.deleteMany({ where: { instanceId: this.instanceId } });
  }
}
