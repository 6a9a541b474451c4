// The daemon's own admin port for orchestrators and monitoring on this host
// (POSTERN_HEALTH_HOST:POSTERN_HEALTH_PORT, loopback by default; docker-compose's healthcheck asks /readyz):
//   GET /healthz  the process is alive: its event loop answers (with its memory figures).
//   GET /readyz   it can serve mail: the database answers and takes writes (not a standby, not
//                 read-only) and every listener it registered in daemon_status still holds its port.
// JSON bodies that name what failed; 200 or 503.
import http from 'node:http';
import net from 'node:net';
import { isConnectionFault } from '@/lib/db/faults';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';

const NAME = 'health';

/** A readiness probe must answer well within an orchestrator's timeout (docker's default: 30 s). */
const DATABASE_TIMEOUT_MS = 2000;

interface ListenerCheck {
  name: string;
  port: number;
  ok: boolean;
  error?: string;
}

interface Readiness {
  status: 'ready' | 'not ready';
  failed: string[];
  database: { ok: boolean; error?: string };
  listeners: ListenerCheck[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether something holds `port` on `host`, asked without talking to the listener (a connection
 * would open an SMTP or IMAP session): binding it ourselves fails with EADDRINUSE while our
 * server listens, and succeeds (then is let go at once) when the server has closed.
 */
function portHeld(port: number, host: string): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'EADDRINUSE' ? { ok: true } : { ok: false, error: `port cannot be checked: ${err.code ?? err.message}` }),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve({ ok: false, error: 'not listening' })));
  });
}

async function readiness(ctx: DaemonContext, known: { listeners: ListenerInfo[] | null }): Promise<Readiness> {
  const failed: string[] = [];
  let database: Readiness['database'] = { ok: true };
  const ask = () =>
    withTimeout(
      ctx.pool.query<{ recovery: boolean; read_only: string; listeners: ListenerInfo[] | null }>(
        `SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only,
                (SELECT listeners FROM daemon_status WHERE instance_id = $1) AS listeners`,
        [ctx.instanceId],
      ),
      DATABASE_TIMEOUT_MS,
      'the database',
    );
  try {
    // An idle pooled connection the server has since closed fails its next query although the
    // database answers again: the pool throws that one away, and a second try on a fresh
    // connection says whether the database itself is away.
    const { rows } = await ask().catch((err: unknown) => {
      if (isConnectionFault(err)) return ask();
      throw err;
    });
    const row = rows[0];
    if (row.recovery) database = { ok: false, error: 'the database is a standby in recovery: it takes no writes' };
    else if (row.read_only === 'on') database = { ok: false, error: 'the database is read-only (transaction_read_only is on)' };
    // The last listeners the database told us of stay known while it is away.
    if (row.listeners) known.listeners = row.listeners;
  } catch (err) {
    database = { ok: false, error: `the database is unreachable: ${(err as Error).message}` };
  }
  if (database.error) failed.push(`database: ${database.error}`);

  const listeners: ListenerCheck[] = [];
  if (!known.listeners) {
    failed.push('listeners: not registered in daemon_status yet (still starting)');
  } else {
    // This port is answering the question: only the mail listeners are probed.
    for (const l of known.listeners.filter((x) => x.name !== NAME)) {
      const held = await portHeld(l.port, ctx.env.POSTERN_LISTEN_HOST);
      listeners.push({ name: l.name, port: l.port, ...held });
      if (!held.ok) failed.push(`listener ${l.name} (port ${l.port}): ${held.error}`);
    }
  }
  return { status: failed.length ? 'not ready' : 'ready', failed, database, listeners };
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function healthService(): DaemonService {
  let server: http.Server | null = null;
  return {
    name: NAME,
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const { POSTERN_HEALTH_PORT: port, POSTERN_HEALTH_HOST: host } = ctx.env;
      if (!port) return [];
      const log = ctx.log.child({ part: 'health' });
      const known: { listeners: ListenerInfo[] | null } = { listeners: null };
      const startedAt = Date.now();
      server = http.createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://health').pathname;
        if (path !== '/healthz' && path !== '/readyz') return send(res, 404, { error: 'not found: GET /healthz or /readyz' });
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET only' });
        if (path === '/healthz') {
          // The process's memory as Node sees it (bytes): RSS, and the V8 heap in use beside it,
          // since V8 keeps freed heap pages mapped for a while (bench/memory/storm.ts reads them).
          const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
          return send(res, 200, {
            status: 'alive',
            instanceId: ctx.instanceId,
            uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
            memory: { rss, heapTotal, heapUsed, external, arrayBuffers },
          });
        }
        readiness(ctx, known).then(
          (r) => send(res, r.failed.length ? 503 : 200, { ...r, instanceId: ctx.instanceId }),
          (err) => {
            log.warn({ err: (err as Error).message }, 'readiness check failed');
            send(res, 503, { status: 'not ready', failed: ['readiness check failed'] });
          },
        );
      });
      const listening = server;
      const bound = await new Promise<number>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          resolve((listening.address() as net.AddressInfo).port);
        });
      });
      listening.on('error', (err) => log.warn({ err: err.message }, 'health port error'));
      log.info({ host, port: bound }, 'health endpoints listening');
      return [{ name: NAME, port: bound, tls: 'none' }];
    },
    async stop() {
      const closing = server;
      server = null;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}
