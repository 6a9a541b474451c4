// The daemon's health endpoints on the real process: alive and ready; with its database made
// read-only it stays alive and is not ready, naming the database; killed with -9 it leaves its
// daemon_status row behind, and once its heartbeat is older than the gone bound (made small
// through POSTERN_DAEMON_GONE_SECONDS) `postern status`, `postern cert check` and the service
// behind the panel's /api/health say no mail daemon is alive. A daemon whose own Postgres
// stops is alive and not ready until it is back. Then the service alone, in this process: a
// registered listener that holds no port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateStatus } from '@/lib/certificates/status';
import { readEnv } from '@/lib/config/env';
import { mailHealth } from '@/lib/daemons/health';
import { createLogger } from '@/lib/log';
import { freePort, openEmbedded } from '@/lib/postgres/embedded';
import type { DaemonContext } from '@/mail-daemon/context';
import { postern } from '@/mail-daemon/testing/cli';
import { spawnDaemon, TEST_MASTER_KEY, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { healthService } from './health';

/** Above the 5 s heartbeat (mail-daemon/status.ts), so a live daemon never looks gone. */
const GONE_SECONDS = 8;
/** After the kill: the smallest bound POSTERN_DAEMON_GONE_SECONDS takes, so the test hardly waits. */
const KILLED_GONE_SECONDS = 1;

let db: TestDatabase;
let pool: pg.Pool;
let daemon: DaemonProcess;
let dir: string;

const health = (p: string) => fetch(`http://127.0.0.1:${daemon.ports.health}${p}`);
const cli = (args: string[], goneSeconds = GONE_SECONDS) =>
  postern(args, {
    cwd: dir,
    env: { DATABASE_URL: db.url, POSTERN_DATA_DIR: path.join(dir, 'cli'), POSTERN_SECRET: TEST_MASTER_KEY, POSTERN_DAEMON_GONE_SECONDS: String(goneSeconds) },
  });

/** Every other session on the database ends, so the next connections start with its new defaults. */
async function terminateBackends(): Promise<void> {
  await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = db.pool();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-health-'));
  daemon = await spawnDaemon(db.url, dir);
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await pool?.end();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the daemon process', { timeout: 120_000 }, () => {
  it('is alive and ready: the database takes writes, every mail listener holds its port', async () => {
    const live = await health('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({
      status: 'alive',
      instanceId: expect.stringContaining(':'),
      memory: { rss: expect.any(Number), heapUsed: expect.any(Number), heapTotal: expect.any(Number), external: expect.any(Number) },
    });
    const ready = await health('/readyz');
    const body = await ready.json();
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'ready', failed: [], database: { ok: true } });
    expect(body.listeners.map((l: { name: string; port: number; ok: boolean }) => [l.name, l.port, l.ok])).toEqual(
      expect.arrayContaining([
        ['smtp', daemon.ports.mx, true],
        ['submission', daemon.ports.submission, true],
        ['submissions', daemon.ports.submissions, true],
        ['imaps', daemon.ports.imaps, true],
      ]),
    );
    expect((await health('/elsewhere')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${daemon.ports.health}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('postern status lists it alive and exits 0; cert check is OK while it serves the active certificate', async () => {
    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^INSTANCE +HOST +VERSION +HEARTBEAT +STATE +LISTENERS\n.+ ago +alive +.*smtp:\d+/);
    const json = await cli(['status', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ alive: true, ageSeconds: expect.any(Number), hostname: os.hostname(), listeners: expect.arrayContaining([expect.objectContaining({ name: 'smtp' })]) }),
    ]);
    // The daemon publishes what it serves shortly after it starts (the TLS provider's report).
    const check = await cli(['cert', 'check']);
    expect(check.stdout, check.stderr).toMatch(/^CERTIFICATES OK - \d+ days left \(soonest\) \| days_left=\d+;30;7 daemons_alive=1 daemons_missing=0\n$/);
    expect(check.code).toBe(0);
    // What the panel's /api/health answers (test/e2e/health.test.ts asks the panel itself).
    expect(await mailHealth(db.prisma, { goneAfterMs: GONE_SECONDS * 1000 })).toEqual({
      status: 'ok',
      alive: 1,
      daemons: [{ daemon: 'daemon-1', state: 'alive', heartbeatAgeSeconds: expect.any(Number) }],
    });
  });

  it('with the database read-only it stays alive and is not ready, naming the database; ready again once writable', async () => {
    const name = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    await pool.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    await terminateBackends();
    try {
      const ready = await health('/readyz');
      const body = await ready.json();
      expect(ready.status, JSON.stringify(body)).toBe(503);
      expect(body).toMatchObject({ status: 'not ready', database: { ok: false } });
      expect(body.failed).toEqual([expect.stringMatching(/^database: the database (is read-only|is unreachable)/)]);
      expect((await health('/healthz')).status).toBe(200);
    } finally {
      await pool.query(`ALTER DATABASE "${name}" RESET default_transaction_read_only`);
      await terminateBackends();
    }
    const again = await health('/readyz');
    expect(again.status, JSON.stringify(await again.clone().json())).toBe(200);
    expect(daemon.child.exitCode).toBeNull();
  });

  it('killed with -9: once its heartbeat is older than the gone bound, status, cert check and /api/health say no daemon is alive', async () => {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    const { rows } = await pool.query<{ instance_id: string; heartbeat_at: Date }>('SELECT instance_id, heartbeat_at FROM daemon_status');
    expect(rows).toHaveLength(1); // nobody removed it: the daemon had no chance to
    // The bound is a time, not an event: at most KILLED_GONE_SECONDS after the last heartbeat.
    const wait = rows[0].heartbeat_at.getTime() + KILLED_GONE_SECONDS * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));

    const status = await cli(['status'], KILLED_GONE_SECONDS);
    expect(status.code, status.stderr).toBe(1);
    expect(status.stdout).toContain(rows[0].instance_id);
    expect(status.stdout).toMatch(/ ago +gone /);
    expect(status.stdout).toMatch(/no mail daemon is alive \(none has a heartbeat younger than 1s\): mail is not being served\n$/);
    const json = await cli(['status', '--json'], KILLED_GONE_SECONDS);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ instanceId: rows[0].instance_id, alive: false })]);
    const check = await cli(['cert', 'check'], KILLED_GONE_SECONDS);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^CERTIFICATES WARNING - \d+ days left \(soonest\); no mail daemon is alive \| .* daemons_alive=0 daemons_missing=1\n$/);
    expect((await cli(['status', '--help'])).stdout).toContain('exit 0 when one is alive, 1 when none is');

    // The services behind the panel's /api/health (503 when none is alive) and /api/certificates/status.
    expect(await mailHealth(db.prisma, { goneAfterMs: KILLED_GONE_SECONDS * 1000 })).toEqual({
      status: 'no mail daemon',
      alive: 0,
      daemons: [{ daemon: 'daemon-1', state: 'gone', heartbeatAgeSeconds: expect.any(Number) }],
    });
    expect(await certificateStatus(db.prisma, new Date(), KILLED_GONE_SECONDS * 1000)).toMatchObject({
      status: 'WARNING',
      daemons: [],
      missing: [{ instanceId: rows[0].instance_id }],
      warnings: ['no mail daemon is alive'],
    });
    // The same row under an hour's bound is alive: the bound decides, nothing else.
    expect((await mailHealth(db.prisma, { goneAfterMs: 3600_000 })).alive).toBe(1);
  });
});

describe('a daemon whose Postgres stops', { timeout: 180_000 }, () => {
  // Its own throwaway cluster: stopping the one every test file shares would fail the others.
  let own: string;
  let cluster: Awaited<ReturnType<typeof openEmbedded>> | undefined;
  let d: DaemonProcess | undefined;

  beforeAll(async () => {
    own = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-health-pg-'));
    fs.chmodSync(own, 0o755); // as root, Postgres runs as the postgres user
    cluster = await openEmbedded(path.join(own, 'pg'), 'health');
    fs.mkdirSync(path.join(own, 'data'));
    d = await spawnDaemon(cluster.url, path.join(own, 'data'));
  }, 180_000);

  afterAll(async () => {
    if (d && d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGTERM');
      await d.exited;
    }
    await cluster?.stop();
    if (own) fs.rmSync(own, { recursive: true, force: true });
  });

  it('is alive and not ready while the database is down, names it, and is ready again once it is back', async () => {
    const probe = (p: string) => fetch(`http://127.0.0.1:${d!.ports.health}${p}`);
    expect((await probe('/readyz')).status).toBe(200);

    await cluster!.stop();
    const down = await probe('/readyz');
    const body = await down.json();
    expect(down.status, JSON.stringify(body)).toBe(503);
    expect(body).toMatchObject({ status: 'not ready', database: { ok: false, error: expect.stringMatching(/^the database is unreachable: /) } });
    expect(body.failed).toEqual([expect.stringMatching(/^database: the database is unreachable: /)]);
    // The listeners are still up, and known from before the database went away.
    expect(body.listeners).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'imaps', port: d!.ports.imaps, ok: true })]));
    expect((await probe('/healthz')).status).toBe(200);

    // The same cluster again, on the port it keeps beside its directory.
    cluster = await openEmbedded(path.join(own, 'pg'), 'health');
    const up = await probe('/readyz');
    expect(up.status, JSON.stringify(await up.clone().json())).toBe(200);
    expect(d!.child.exitCode).toBeNull();
  });
});

describe('the health service alone', () => {
  it('is not ready while a listener it registered holds no port, and says which', async () => {
    const port = await freePort();
    const gone = await freePort();
    const instanceId = 'health-test:1:alone';
    await pool.query(
      `INSERT INTO daemon_status (instance_id, hostname, version, started_at, heartbeat_at, listeners) VALUES ($1, 'h', '1', now(), now(), $2)`,
      [instanceId, JSON.stringify([{ name: 'mx', port: gone, tls: 'starttls' }, { name: 'health', port, tls: 'none' }])],
    );
    const env = readEnv({ ...process.env, DATABASE_URL: db.url, POSTERN_LISTEN_HOST: '127.0.0.1', POSTERN_HEALTH_HOST: '127.0.0.1', POSTERN_HEALTH_PORT: String(port) });
    const service = healthService();
    const ctx = { env, pool, instanceId, log: createLogger('health-test', 'silent') } as unknown as DaemonContext;
    expect(await service.start(ctx)).toEqual([{ name: 'health', port, tls: 'none' }]);
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'not ready',
        database: { ok: true },
        failed: [`listener mx (port ${gone}): not listening`],
        listeners: [{ name: 'mx', port: gone, ok: false, error: 'not listening' }],
      });
    } finally {
      await service.stop();
    }
    // Off when the port is 0 (or empty).
    expect(await healthService().start({ ...ctx, env: { ...env, POSTERN_HEALTH_PORT: 0 } })).toEqual([]);
    expect(readEnv({ POSTERN_HEALTH_PORT: '' } as unknown as NodeJS.ProcessEnv).POSTERN_HEALTH_PORT).toBe(0);
    expect(readEnv({} as NodeJS.ProcessEnv).POSTERN_HEALTH_PORT).toBe(8025);
  });
});
