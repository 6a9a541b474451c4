// The daemon's health endpoints on the real process: alive and ready; with its database made
// read-only it stays alive and is not ready, naming the database; killed with -9 it leaves its
// daemon_status row behind, and past the gone bound `postern status` and `postern cert check` say
// so. Then the service alone, in this process: a registered listener that holds no port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '@/lib/config/env';
import { createLogger } from '@/lib/log';
import { freePort } from '@/lib/postgres/embedded';
import type { DaemonContext } from '@/mail-daemon/context';
import { postern } from '@/mail-daemon/testing/cli';
import { spawnDaemon, TEST_MASTER_KEY, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { healthService } from './health';

/** Above the 5 s heartbeat, so a live daemon never looks gone, and short enough to wait for. */
const GONE_SECONDS = 8;

let db: TestDatabase;
let pool: pg.Pool;
let daemon: DaemonProcess;
let dir: string;

const health = (p: string) => fetch(`http://127.0.0.1:${daemon.ports.health}${p}`);
const cli = (args: string[]) =>
  postern(args, {
    cwd: dir,
    env: { DATABASE_URL: db.url, POSTERN_DATA_DIR: path.join(dir, 'cli'), POSTERN_SECRET: TEST_MASTER_KEY, POSTERN_DAEMON_GONE_SECONDS: String(GONE_SECONDS) },
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
    expect(await live.json()).toMatchObject({ status: 'alive', instanceId: expect.stringContaining(':') });
    const ready = await health('/readyz');
    const body = await ready.json();
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'ready', failed: [], database: { ok: true } });
    expect(body.listeners.map((l: { name: string; port: number; ok: boolean }) => [l.name, l.port, l.ok])).toEqual(
      expect.arrayContaining([
        ['smtp', daemon.ports.mx, true],
        ['submission', daemon.ports.submission, true],
        ['submissions', daemon.ports.submissions, true],
        ['imaps', expect.any(Number), true],
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
    expect(check.stdout, check.stderr).toMatch(/^CERTIFICATES OK - \d+ days left \(soonest\) \| days_left=\d+;30;7 daemons_alive=1\n$/);
    expect(check.code).toBe(0);
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

  it('killed with -9: past the gone bound postern status exits 1 and says gone, cert check warns', async () => {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    const { rows } = await pool.query<{ heartbeat_at: Date }>('SELECT heartbeat_at FROM daemon_status');
    expect(rows).toHaveLength(1); // nobody removed it: the daemon had no chance to
    // The bound is a time, not an event: wait until the last heartbeat is that old.
    const wait = rows[0].heartbeat_at.getTime() + GONE_SECONDS * 1000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));

    const status = await cli(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/ ago +gone /);
    expect(status.stdout).toMatch(/no mail daemon is alive \(none has a heartbeat younger than 8s\): mail is not being served\n$/);
    const json = await cli(['status', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ alive: false })]);
    const check = await cli(['cert', 'check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^CERTIFICATES WARNING - \d+ days left \(soonest\); no mail daemon is alive \| .* daemons_alive=0\n$/);
    expect((await cli(['status', '--help'])).stdout).toContain('exit 0 when one is alive, 1 when none is');
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
