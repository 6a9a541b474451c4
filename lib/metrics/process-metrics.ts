// What one daemon process counts (refusals, logins, throttling) and can read at any moment
// (IMAP and POP3 connections, its Postgres pool). Imports nothing: the protocol rooms may count here.
// The heartbeat (mail-daemon/status.ts) writes a snapshot into daemon_status.details.metrics,
// and /metrics sums the live daemons' snapshots, so any panel answers for the whole cluster.

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export interface MetricsSnapshot {
  /** Totals since the process started: a restart resets them (Prometheus's rate() allows for that). */
  counters: Sample[];
  gauges: Sample[];
}

/** Label values come from the wire (reply codes) and our own names: bounded, but never unbounded text. */
const MAX_SERIES = 500;

const keyOf = (name: string, labels: Labels) => `${name}${JSON.stringify(Object.entries(labels).sort())}`;

export class ProcessMetrics {
  private readonly counters = new Map<string, Sample>();
  private readonly gauges = new Map<string, { name: string; labels: Labels; read: () => number }>();

  inc(name: string, labels: Labels = {}, by = 1): void {
    const key = keyOf(name, labels);
    const sample = this.counters.get(key);
    if (sample) sample.value += by;
    else if (this.counters.size < MAX_SERIES) this.counters.set(key, { name, labels, value: by });
  }

  /** A value read at each snapshot; registering the same name and labels again replaces the reader. */
  gauge(name: string, read: () => number, labels: Labels = {}): void {
    this.gauges.set(keyOf(name, labels), { name, labels, read });
  }

  snapshot(): MetricsSnapshot {
    return {
      counters: [...this.counters.values()].map((s) => ({ ...s, labels: { ...s.labels } })),
      gauges: [...this.gauges.values()].map((g) => ({ name: g.name, labels: g.labels, value: g.read() })),
    };
  }
}

/** This process's metrics. */
export const processMetrics = new ProcessMetrics();

/** Counter and gauge names the daemon writes and /metrics reads. */
export const DAEMON_METRICS = {
  refused: 'smtp_refused',
  logins: 'logins',
  throttled: 'throttled',
  imapConnections: 'imap_connections',
  pop3Connections: 'pop3_connections',
  poolConnections: 'pg_pool_connections',
} as const;
