import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMessage } from '@/lib/queue/seed';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { clusterMetrics } from './collect';
import { DAEMON_METRICS, ProcessMetrics } from './process-metrics';

// /metrics as Prometheus reads it: the text format parsed by a separate parser, each family
// with its type, the tables' figures and the live daemons' heartbeat snapshots summed.
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

function daemonSnapshot(refused: number, imap: number) {
  const m = new ProcessMetrics();
  m.inc(DAEMON_METRICS.refused, { listener: 'mx', code: '5.7.1' }, refused);
  m.inc(DAEMON_METRICS.logins, { protocol: 'imap', result: 'invalid' }, 2);
  m.inc(DAEMON_METRICS.throttled, { protocol: 'smtp' });
  m.gauge(DAEMON_METRICS.imapConnections, () => imap);
  m.gauge(DAEMON_METRICS.poolConnections, () => 3, { state: 'busy' });
  return m.snapshot();
}

describe('cluster metrics', () => {
  it('reads the tables and sums the live daemons, in the text format', async () => {
    const now = new Date();
    await seedMessage(t.prisma, {
      queueId: 'MQ1', mailFrom: 'a@metrics.test', minutesAgo: 30, receipt: { clientIp: '192.0.2.1', listener: 'submission' },
      recipients: [{ rcpt: 'x@remote.test', status: 'DEFERRED', attempts: [{ outcome: 'deferred', code: 451, reply: 'later', minutesAgo: 20 }] }, { rcpt: 'y@remote.test', status: 'QUEUED' }],
    });
    for (const [id, age, refused, imap] of [['d1', 1_000, 3, 4], ['d2', 2_000, 5, 1], ['gone', 3_600_000, 100, 100]] as const) {
      await t.prisma.daemonStatus.create({
        data: { instanceId: id, hostname: 'h', version: 'v', startedAt: now, heartbeatAt: new Date(now.getTime() - age), details: { metrics: daemonSnapshot(refused, imap) } as never },
      });
    }
    await t.prisma.authThrottle.create({ data: { key: 'ip:192.0.2.9', failures: 9, lockedUntil: new Date(now.getTime() + 60_000) } });
    await t.prisma.auditLog.create({ data: { actor: 'system', action: 'admin.login.throttled', target: 'x@y' } });

    const { contentType, body } = await clusterMetrics(t.prisma, { goneAfterMs: 15_000, now });
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = Object.fromEntries(parsePrometheusTextFormat(body).map((f) => [f.name, f]));
    const values = (name: string) => families[name].metrics.map((m) => [m.labels ?? {}, Number(m.value)]);
    expect(families.postern_messages_accepted_total.type).toBe('COUNTER');
    expect(values('postern_messages_accepted_total')).toEqual([[{ listener: 'submission' }, 1]]);
    expect(values('postern_messages_refused_total')).toEqual([[{ listener: 'mx', code: '5.7.1' }, 8]]);
    expect(values('postern_deliveries_total')).toEqual([[{ outcome: 'deferred', tls_version: 'TLSv1.3' }, 1]]);
    expect(families.postern_queue_messages.type).toBe('GAUGE');
    expect(values('postern_queue_messages')).toEqual([[{ status: 'QUEUED' }, 1], [{ status: 'DEFERRED' }, 1]]);
    expect(Number(families.postern_queue_oldest_seconds.metrics[0].value)).toBeGreaterThanOrEqual(1790);
    expect(values('postern_logins_total')).toEqual([[{ protocol: 'imap', result: 'invalid' }, 4]]);
    expect(values('postern_throttled_total')).toEqual([[{ service: 'smtp' }, 2], [{ service: 'panel' }, 1]]);
    expect(values('postern_throttle_locked')).toEqual([[{ kind: 'ip' }, 1]]);
    expect(values('postern_imap_connections')).toEqual([[{}, 5]]);
    expect(values('postern_daemon_pool_connections')).toEqual([[{ state: 'busy' }, 6]]);
    expect(values('postern_daemons_alive')).toEqual([[{}, 2]]);
    expect(values('postern_daemon_heartbeat_age_seconds').map(([l, v]) => [(l as { instance: string }).instance, v])).toEqual([['d1', 1], ['d2', 2], ['gone', 3600]]);
    expect(families.postern_postgres_connections.metrics.length).toBeGreaterThan(0);
    for (const name of ['postern_tls_messages_total', 'postern_certificate_days_left']) expect(families[name], name).toBeDefined();
  });
});
