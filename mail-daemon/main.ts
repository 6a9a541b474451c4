import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ConfigError, readEnv } from '@/lib/config/env';
import { loadSecrets } from '@/lib/config/secrets';
import { migrate } from '@/lib/db/migrate';
import { NotifyBus } from '@/lib/db/notify';
import { createPool } from '@/lib/db/pool';
import { createPrisma } from '@/lib/db/prisma';
import { checkHostName, hostNameOf } from '@/lib/dns-records/host-name';
import { createResolver, parseDnsServers } from '@/lib/dns/resolver';
import { resolveDatabase } from '@/lib/db/resolve';
import { createLogger } from '@/lib/log';
import { DAEMON_METRICS, processMetrics } from '@/lib/metrics/process-metrics';
import { VERSION } from '@/lib/version';
import type { DaemonContext, DaemonService, ListenerInfo } from './context';
import { services } from './services';
import { openDaemonPolicy } from './services/policy';
import { openTls, type TlsContext } from './tls';
import { StatusReporter } from './status';

const log = createLogger('mail-daemon');

async function main(): Promise<void> {
  const env = readEnv();
  const secrets = loadSecrets(env.dataDir);
  const cluster = await resolveDatabase(env);
  await migrate(cluster.url);

  // A lost connection is logged and discarded; the statement on it fails with its own error.
  const onDatabaseError = (err: Error) => log.warn({ err: err.message }, 'database connection lost');
  const db = createPrisma(cluster.url, 10, onDatabaseError);
  const pool = createPool(cluster.url, { max: 20, onError: onDatabaseError, genericPlans: true });
  processMetrics.gauge(DAEMON_METRICS.poolConnections, () => pool.totalCount - pool.idleCount, { state: 'busy' });
  processMetrics.gauge(DAEMON_METRICS.poolConnections, () => pool.idleCount, { state: 'idle' });
  processMetrics.gauge(DAEMON_METRICS.poolConnections, () => pool.waitingCount, { state: 'waiting' });
  const bus = new NotifyBus(cluster.url, (err) => log.warn({ err: err.message }, 'notify connection lost, reconnecting'));
  await bus.start();

  const instanceId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const status = new StatusReporter(db, instanceId, VERSION, (err) => log.warn({ err: err.message }, 'heartbeat failed'));
  // One policy cache and one LISTEN on CHANNELS.policy for the whole daemon; every reader asks ctx.policy.
  const policy = await openDaemonPolicy(db, bus, log);
  const base: TlsContext = { env, secrets, db, pool, bus, policy, log, instanceId, report: (d) => status.set(d) };
  // One TLS provider, shared by the SMTP, IMAP and POP3 listeners.
  const ctx: DaemonContext = { ...base, tls: await openTls(base) };

  const started: DaemonService[] = [];
  const listeners: ListenerInfo[] = [];
  for (const service of services) {
    listeners.push(...(await service.start(ctx)));
    started.push(service);
  }
  await status.start(listeners);
  log.info({ instanceId, version: VERSION, listeners }, 'mail daemon started');
  // The host name trap: a bare or wrong POSTERN_HOSTNAME breaks the MX, the greeting and the certificates. Said, never fatal.
  void checkHostName(hostNameOf(env), createResolver({ servers: parseDnsServers(env.POSTERN_DNS_SERVERS), timeoutMs: 3000 })).then(
    (r) => r.warnings.forEach((warning) => log.warn({ hostname: r.host, addresses: r.addresses }, warning)),
    (err) => log.warn({ err: (err as Error).message }, 'host name check failed'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const service of started.reverse()) await service.stop().catch((err) => log.error({ err }, `stopping ${service.name}`));
    await status.stop().catch(() => {});
    await bus.close();
    await pool.end();
    await db.$disconnect();
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`postern mail daemon: ${err.message}`);
  } else {
    log.fatal({ err }, 'mail daemon failed to start');
  }
  process.exit(1);
});
