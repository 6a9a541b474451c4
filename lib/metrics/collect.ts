import { Counter, Gauge, Registry } from 'prom-client';
import { listDaemons } from '@/lib/daemons/liveness';
import type { Db } from '@/lib/db/prisma';
import { DAEMON_METRICS, type MetricsSnapshot, type Sample } from './process-metrics';

// The cluster's metrics for Prometheus, read from Postgres at each scrape (panel and daemons
// share nothing else): what the tables hold (receipts, attempts, the queue, TLS totals,
// certificates, heartbeats, throttling, pg_stat_activity) and what each live daemon's
// heartbeat carries (its counters and gauges, lib/metrics/process-metrics.ts), summed.
// A fresh registry per scrape: nothing is kept between scrapes, so two panels answer alike.

type Row = Record<string, unknown>;

function gauge(registry: Registry, name: string, help: string, labelNames: string[], rows: { labels: Record<string, string>; value: number }[]): void {
  const g = new Gauge({ name, help, labelNames, registers: [registry] });
  for (const r of rows) g.set(r.labels, r.value);
}

/** A counter whose total comes whole from the database: a fresh one per scrape, raised once to it. */
function counter(registry: Registry, name: string, help: string, labelNames: string[], rows: { labels: Record<string, string>; value: number }[]): void {
  const c = new Counter({ name, help, labelNames, registers: [registry] });
  for (const r of rows) c.inc(r.labels, r.value);
}

const num = (v: unknown) => Number(v ?? 0);

/** Sums one named sample over the live daemons, per label set. */
function summed(snapshots: MetricsSnapshot[], kind: 'counters' | 'gauges', name: string): { labels: Record<string, string>; value: number }[] {
  const out = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const s of snapshots) {
    for (const sample of (s[kind] ?? []) as Sample[]) {
      if (sample.name !== name) continue;
      const key = JSON.stringify(Object.entries(sample.labels).sort());
      const entry = out.get(key) ?? { labels: sample.labels, value: 0 };
      entry.value += num(sample.value);
      out.set(key, entry);
    }
  }
  return [...out.values()];
}

function snapshotOf(details: Record<string, unknown>): MetricsSnapshot | null {
  const m = details.metrics as MetricsSnapshot | undefined;
  return m && Array.isArray(m.counters) && Array.isArray(m.gauges) ? m : null;
}

/** The Prometheus text exposition (format 0.0.4) of the whole cluster. */
export async function clusterMetrics(db: Db, options: { goneAfterMs: number; now?: Date }): Promise<{ contentType: string; body: string }> {
  const now = options.now ?? new Date();
  const registry = new Registry();
  const q = <T extends Row>(sql: TemplateStringsArray, ...values: unknown[]) => db.$queryRaw<T[]>(sql, ...values);

  const [accepted, deliveries, queue, tls, certs, locks, adminThrottled, pgActivity, daemons] = await Promise.all([
    q<{ listener: string; n: bigint }>`SELECT listener, count(*) AS n FROM smtp_receipts GROUP BY listener`,
    q<{ outcome: string; version: string; n: bigint }>`SELECT outcome, coalesce(tls_version, 'none') AS version, count(*) AS n FROM outbound_attempts GROUP BY 1, 2`,
    q<{ status: string; n: bigint; oldest: Date | null }>`SELECT status::text AS status, count(*) AS n, min(created_at) AS oldest FROM outbound_queue WHERE status IN ('QUEUED', 'DEFERRED') GROUP BY status`,
    q<{ direction: string; version: string; n: bigint }>`SELECT direction, tls_version AS version, sum(messages)::bigint AS n FROM tls_daily_totals GROUP BY direction, tls_version`,
    q<{ id: string; hosts: string[]; not_after: Date }>`SELECT id::text, hosts, not_after FROM certificates WHERE status = 'ACTIVE' AND not_after IS NOT NULL`,
    q<{ kind: string; n: bigint }>`SELECT split_part(key, ':', 1) AS kind, count(*) AS n FROM auth_throttle WHERE locked_until > ${now} GROUP BY 1`,
    q<{ n: bigint }>`SELECT count(*) AS n FROM audit_log WHERE action = 'admin.login.throttled'`,
    q<{ application: string; state: string; n: bigint }>`SELECT coalesce(nullif(application_name, ''), 'unnamed') AS application, coalesce(state, 'unknown') AS state, count(*) AS n
        FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1, 2`,
    listDaemons(db, { goneAfterMs: options.goneAfterMs, now }),
  ]);
  const live = daemons.filter((d) => d.alive);
  const snapshots = live.map((d) => snapshotOf(d.details)).filter((s): s is MetricsSnapshot => s !== null);

  counter(registry, 'postern_messages_accepted_total', 'Messages accepted over SMTP, by listener (mx, submission, submissions).', ['listener'],
    accepted.map((r) => ({ labels: { listener: r.listener }, value: num(r.n) })));
  counter(registry, 'postern_messages_refused_total', 'MAIL, RCPT and DATA refused by the live daemons since they started, by listener and RFC 3463 code.', ['listener', 'code'],
    summed(snapshots, 'counters', DAEMON_METRICS.refused));
  counter(registry, 'postern_deliveries_total', 'Outbound delivery attempts by outcome (sent, deferred, failed) and the TLS version used ("none" in cleartext or before a connection).', ['outcome', 'tls_version'],
    deliveries.map((r) => ({ labels: { outcome: r.outcome, tls_version: r.version }, value: num(r.n) })));
  gauge(registry, 'postern_queue_messages', 'Recipients waiting in the outbound queue, by status.', ['status'],
    ['QUEUED', 'DEFERRED'].map((status) => ({ labels: { status }, value: num(queue.find((r) => r.status === status)?.n) })));
  const oldest = queue.map((r) => r.oldest).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  gauge(registry, 'postern_queue_oldest_seconds', 'Age of the oldest recipient waiting in the outbound queue (0 when empty).', [],
    [{ labels: {}, value: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0 }]);
  counter(registry, 'postern_tls_messages_total', 'Messages received, by direction and the TLS version of our own hop ("none" in cleartext).', ['direction', 'version'],
    tls.map((r) => ({ labels: { direction: r.direction, version: r.version }, value: num(r.n) })));
  counter(registry, 'postern_logins_total', 'SMTP AUTH, IMAP LOGIN and POP3 login outcomes at the live daemons since they started.', ['protocol', 'result'],
    summed(snapshots, 'counters', DAEMON_METRICS.logins));
  counter(registry, 'postern_throttled_total', 'Logins refused by brute-force throttling: mail protocols at the live daemons since they started, the panel in all.', ['service'], [
    ...summed(snapshots, 'counters', DAEMON_METRICS.throttled).map((r) => ({ labels: { service: r.labels.protocol }, value: r.value })),
    { labels: { service: 'panel' }, value: num(adminThrottled[0]?.n) },
  ]);
  gauge(registry, 'postern_throttle_locked', 'Throttle keys locked now, by kind (ip, account, admin...).', ['kind'],
    locks.map((r) => ({ labels: { kind: r.kind }, value: num(r.n) })));
  gauge(registry, 'postern_certificate_days_left', 'Days until each active server certificate expires.', ['certificate', 'hosts'],
    certs.map((c) => ({ labels: { certificate: c.id, hosts: c.hosts.join(',') }, value: Math.floor((c.not_after.getTime() - now.getTime()) / 86_400_000) })));
  gauge(registry, 'postern_daemon_heartbeat_age_seconds', 'Seconds since each mail daemon\'s last heartbeat (rows of daemons gone are kept a day).', ['instance', 'hostname', 'version'],
    daemons.map((d) => ({ labels: { instance: d.instanceId, hostname: d.hostname, version: d.version }, value: d.ageMs / 1000 })));
  gauge(registry, 'postern_daemons_alive', 'Mail daemons with a fresh heartbeat.', [], [{ labels: {}, value: live.length }]);
  gauge(registry, 'postern_imap_connections', 'Open IMAP connections at the live daemons.', [], [{ labels: {}, value: summed(snapshots, 'gauges', DAEMON_METRICS.imapConnections).reduce((a, r) => a + r.value, 0) }]);
  gauge(registry, 'postern_pop3_connections', 'Open POP3 connections at the live daemons.', [], [{ labels: {}, value: summed(snapshots, 'gauges', DAEMON_METRICS.pop3Connections).reduce((a, r) => a + r.value, 0) }]);
  gauge(registry, 'postern_daemon_pool_connections', 'Connections of the live daemons\' Postgres pools, by state (busy, idle, waiting: callers waiting for one).', ['state'],
    summed(snapshots, 'gauges', DAEMON_METRICS.poolConnections));
  gauge(registry, 'postern_postgres_connections', 'Client connections to this database, by application and state (pg_stat_activity).', ['application', 'state'],
    pgActivity.map((r) => ({ labels: { application: r.application, state: r.state }, value: num(r.n) })));

  return { contentType: registry.contentType, body: await registry.metrics() };
}
