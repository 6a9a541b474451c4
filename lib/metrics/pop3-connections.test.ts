// POP3 connections in /metrics, end to end: the real daemon process counts its open POP3
// connections (logged in or not), its heartbeat carries the count into daemon_status, and the
// scrape (clusterMetrics, as the panel's /metrics route answers) reads it back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { Pop3Wire } from '@/mail-daemon/testing/pop3-wire';
import { HEARTBEAT_MS } from '@/mail-daemon/status';
import { clusterMetrics } from './collect';

let db: TestDatabase;
let daemon: DaemonProcess;
let dir: string;
const PASSWORD = 'Metrics-Pop3-Password-4';

beforeAll(async () => {
  db = await createTestDatabase();
  await addDomain(db.prisma, SYSTEM, { name: 'metrics-pop3.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'counted@metrics-pop3.test', password: PASSWORD, quota: '1G' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-metrics-pop3-'));
  daemon = await spawnDaemon(db.url, dir);
});

afterAll(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One scrape: the samples of one family as [labels, value]. */
async function scraped(name: string): Promise<[Record<string, string>, number][]> {
  const { body } = await clusterMetrics(db.prisma, { goneAfterMs: 15_000 });
  const family = parsePrometheusTextFormat(body).find((f) => f.name === name);
  return (family?.metrics ?? []).map((m) => [m.labels ?? {}, Number(m.value)]);
}

// A heartbeat carries the counts every HEARTBEAT_MS; three of them are plenty on a loaded machine.
const heartbeats = { timeout: 3 * HEARTBEAT_MS, interval: 200 };

describe('POP3 connections in /metrics', () => {
  it('counts the open POP3S connections, logged in or not, and none once they close', async () => {
    expect(await scraped('postern_pop3_connections')).toEqual([[{}, 0]]);
    const reader = await Pop3Wire.connect(daemon.ports.pop3s, { tls: true });
    expect(await reader.line()).toBe('+OK Postern POP3 server ready');
    expect(await reader.command('USER counted@metrics-pop3.test')).toBe('+OK Send the password');
    expect(await reader.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK Logged in/);
    const waiting = await Pop3Wire.connect(daemon.ports.pop3s, { tls: true });
    expect(await waiting.line()).toBe('+OK Postern POP3 server ready');

    await expect.poll(() => scraped('postern_pop3_connections'), heartbeats).toEqual([[{}, 2]]);
    // The IMAP gauge is its own: no IMAP connection is open.
    expect(await scraped('postern_imap_connections')).toEqual([[{}, 0]]);
    expect(await scraped('postern_logins_total')).toEqual(expect.arrayContaining([[{ protocol: 'pop3', result: 'ok' }, 1]]));

    expect(await reader.command('QUIT')).toMatch(/^\+OK/);
    waiting.close();
    await expect.poll(() => scraped('postern_pop3_connections'), heartbeats).toEqual([[{}, 0]]);
  });
});
