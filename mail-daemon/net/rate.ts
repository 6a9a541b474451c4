// A bound on how slowly a client may send what it started: SMTP DATA, an IMAP literal
// or a command line. Idle timeouts reset on every byte, so without this a client sending
// one byte every few seconds (slowloris) holds its slot for as long as it likes.

export interface TransferLimits {
  /** No rate is asked for before this (a slow start, TCP slow start, a pause to think). */
  graceMs: number;
  /** After the grace: bytes per second, averaged from the start of the transfer. */
  minBytesPerSecond: number;
  /** The whole transfer, however fast. */
  maxMs: number;
}

export type TransferViolation = 'too-slow' | 'too-long';

/**
 * Watches one transfer. `add()` counts bytes as they arrive; `onViolation` is called
 * once when the average falls below the rate after the grace, or the transfer outlives
 * `maxMs`; `stop()` ends the watch (transfer done, connection gone).
 */
export class TransferWatch {
  private bytes = 0;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly limits: TransferLimits,
    private readonly onViolation: (violation: TransferViolation, facts: { bytes: number; ms: number }) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    // Checked a few times per grace period (and at least once a second), not per byte.
    const every = Math.max(10, Math.min(1000, Math.floor(limits.graceMs / 4), Math.floor(limits.maxMs / 4)));
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref();
  }

  add(n: number): void {
    this.bytes += n;
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  check(): void {
    if (this.stopped) return;
    const ms = this.elapsedMs;
    let violation: TransferViolation | null = null;
    if (ms >= this.limits.maxMs) violation = 'too-long';
    else if (ms >= this.limits.graceMs && (this.bytes * 1000) / ms < this.limits.minBytesPerSecond) violation = 'too-slow';
    if (!violation) return;
    this.stop();
    this.onViolation(violation, { bytes: this.bytes, ms });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
