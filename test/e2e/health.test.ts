import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { createAdmin, signInHttp, startPanel, type AdminFixture, type Panel } from './index';

// The panel's public /api/health against a real mail daemon process on its database: 503
// "no mail daemon" without one, 200 with its count and heartbeat age while it beats, 503 again
// once it was killed with -9 and its heartbeat passed the gone bound, still listing it as gone.
// Never a host name or an instance id; the signed-in dashboard has those, and says the killed
// daemon is gone. The panel reads POSTERN_DAEMON_GONE_SECONDS once, at its start: the bound
// must stay above the 5 s heartbeat for the live daemon, so this test waits up to that long
// (mail-daemon/services/health.test.ts checks the same service with a 1 s bound).

/** Above the daemon's 5 s heartbeat, short enough to wait for. */
const GONE_SECONDS = 8;

let panel: Panel;
let admin: AdminFixture;
let daemon: DaemonProcess | undefined;
let dir: string;

beforeAll(async () => {
  panel = await startPanel({ POSTERN_DAEMON_GONE_SECONDS: String(GONE_SECONDS) });
  admin = await createAdmin(panel.db.prisma);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-health-'));
}, 600_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  await panel?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const health = async () => {
  const res = await fetch(`${panel.url}/api/health`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  return { code: res.status, body, json: JSON.parse(body) as unknown };
};

it('/api/health says whether mail is served: no daemon, a live one, a killed one', { timeout: 180_000 }, async () => {
  expect(await health()).toMatchObject({ code: 503, json: { status: 'no mail daemon', alive: 0, daemons: [] } });

  daemon = await spawnDaemon(panel.db.url, dir);
  const up = await health();
  expect(up).toMatchObject({ code: 200, json: { status: 'ok', alive: 1, daemons: [{ daemon: 'daemon-1', state: 'alive', heartbeatAgeSeconds: expect.any(Number) }] } });
  const row = await panel.db.prisma.daemonStatus.findFirstOrThrow();
  for (const internal of [row.instanceId, row.hostname, os.hostname()]) expect(up.body).not.toContain(internal);

  daemon.child.kill('SIGKILL');
  await daemon.exited;
  // The bound is a time, not an event: wait until the last heartbeat is that old.
  const last = await panel.db.prisma.daemonStatus.findFirstOrThrow();
  const wait = last.heartbeatAt.getTime() + GONE_SECONDS * 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));
  const gone = await health();
  expect(gone).toMatchObject({ code: 503, json: { status: 'no mail daemon', alive: 0, daemons: [{ daemon: 'daemon-1', state: 'gone' }] } });
  expect((gone.json as { daemons: { heartbeatAgeSeconds: number }[] }).daemons[0].heartbeatAgeSeconds).toBeGreaterThanOrEqual(GONE_SECONDS);

  // The certificate status endpoint says it too: no daemon serves the certificates.
  const certs = await (await fetch(`${panel.url}/api/certificates/status`)).json();
  expect(certs).toMatchObject({ daemons: [], missing: [{ instanceId: 'gone-1' }], warnings: expect.arrayContaining(['no mail daemon is alive']) });
  expect(JSON.stringify(certs)).not.toContain(row.instanceId);

  // Signed in, the dashboard names it and calls it gone, not online.
  const cookie = await signInHttp(panel.url, admin.email, admin.password);
  const dashboard = await (await fetch(`${panel.url}/`, { headers: { cookie } })).text();
  expect(dashboard).toContain(row.instanceId);
  expect(dashboard).toContain('>gone<');
  expect(dashboard).not.toContain('>online<');
});
