// Alerts through the real daemons: two daemon processes share the database; a queue past its
// threshold is announced once, by mail into a local mailbox (read back over IMAPS with
// imapflow), through the outbound queue and SMTP into a mailbox of another server (a third
// daemon on its own database, found by MX on a loopback DNS server), and to a webhook; a test
// sent from the panel's service arrives the same way; the condition's end is announced as resolved.
// And /metrics reads what the daemons count (refusals, failed logins) from their heartbeats.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '@/lib/actor';
import { sendTestAlert, updateMonitoringSettings } from '@/lib/alerts';
import { CHANNELS } from '@/lib/db/channels';
import { notify, NotifyBus } from '@/lib/db/notify';
import { addDomain } from '@/lib/domains';
import { createMailbox } from '@/lib/mailboxes';
import { freePort } from '@/lib/postgres/embedded';
import { seedMessage } from '@/lib/queue/seed';
import { createTestDatabase, type TestDatabase } from '@/mail-daemon/testing/database';
import { spawnDaemon, type DaemonProcess } from '@/mail-daemon/testing/daemon';
import { startDnsServer, type RunningDnsServer } from '@/mail-daemon/testing/dns-server';
import { RawSmtp, transcript } from '@/mail-daemon/testing/smtp';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { clusterMetrics } from '@/lib/metrics/collect';

const PASSWORD = 'Alert-Reader-Password-7';
let db: TestDatabase;
/** The other server's database. */
let far: TestDatabase;
let farBus: NotifyBus;
let farImapsPort = 0;
let pool: pg.Pool;
let bus: NotifyBus;
let dns: RunningDnsServer;
let webhook: http.Server;
const posted: Record<string, unknown>[] = [];
const daemons: DaemonProcess[] = [];
const dirs: string[] = [];
let imapsPort = 0;
let webhookUrl = '';
/** Resolvers of the next mail stored (deliver() NOTIFYs the mailstore channel on commit). */
let stored: (() => void)[] = [];
let farStored: (() => void)[] = [];

function nextStored(): Promise<void> {
  return new Promise((resolve) => stored.push(resolve));
}

function nextFarStored(): Promise<void> {
  return new Promise((resolve) => farStored.push(resolve));
}

async function inbox(where: 'here' | 'far' = 'here'): Promise<{ subject: string; from: string; autoSubmitted: string }[]> {
  const [port, user] = where === 'here' ? [imapsPort, 'ops@alerts.test'] : [farImapsPort, 'oncall@far.test'];
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass: PASSWORD }, logger: false });
  await c.connect();
  try {
    await c.mailboxOpen('INBOX');
    const out = [];
    for await (const m of c.fetch('1:*', { envelope: true, headers: ['auto-submitted'] })) {
      out.push({ subject: m.envelope!.subject!, from: m.envelope!.from![0].address!, autoSubmitted: m.headers!.toString().trim() });
    }
    return out;
  } finally {
    await c.logout();
  }
}

beforeAll(async () => {
  [db, far, dns] = await Promise.all([createTestDatabase(), createTestDatabase(), startDnsServer()]);
  dns.set({ 'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] }, 'mx.far.test': { A: ['127.0.0.1'] } });
  farBus = new NotifyBus(far.url);
  await farBus.start();
  await farBus.listen(CHANNELS.mailstore, () => {
    const waiting = farStored;
    farStored = [];
    for (const r of waiting) r();
  });
  await addDomain(far.prisma, SYSTEM, { name: 'far.test' });
  await createMailbox(far.prisma, SYSTEM, { address: 'oncall@far.test', password: PASSWORD });
  farImapsPort = await freePort();
  const farDir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-alerts-far-'));
  dirs.push(farDir);
  const farDaemon = await spawnDaemon(far.url, farDir, { POSTERN_HOSTNAME: 'mx.far.test', POSTERN_IMAPS_PORT: String(farImapsPort), POSTERN_DNS_SERVERS: dns.server });
  daemons.push(farDaemon);
  pool = db.pool();
  bus = new NotifyBus(db.url);
  await bus.start();
  await bus.listen(CHANNELS.mailstore, () => {
    const waiting = stored;
    stored = [];
    for (const r of waiting) r();
  });
  webhook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posted.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  await addDomain(db.prisma, SYSTEM, { name: 'alerts.test' });
  await createMailbox(db.prisma, SYSTEM, { address: 'ops@alerts.test', password: PASSWORD });
  imapsPort = await freePort();
  for (const env of [{ POSTERN_IMAPS_PORT: String(imapsPort) }, {}] as Record<string, string>[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'postern-alerts-'));
    dirs.push(dir);
    daemons.push(await spawnDaemon(db.url, dir, { ...env, POSTERN_DNS_SERVERS: dns.server, POSTERN_OUTBOUND_PORT: String(farDaemon.ports.mx) }));
  }
}, 120_000);

afterAll(async () => {
  for (const d of daemons) d.child.kill('SIGTERM');
  for (const d of daemons) await d.exited;
  await bus?.close();
  await farBus?.close();
  await pool?.end();
  await db?.drop();
  await far?.drop();
  await dns?.close();
  webhook?.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('alerts through the daemons', { timeout: 60_000 }, () => {
  it('a queue past its threshold: one mail here, one through the queue to the other server, one webhook post, though two daemons pass', async () => {
    await updateMonitoringSettings(db.prisma, SYSTEM, {
      metricsAllow: '', alertRecipients: 'ops@alerts.test, oncall@far.test', webhookUrl, certDays: 14, daemonSilentMinutes: 5, queueThreshold: 1, sendLimitAlerts: true,
    });
    for (const id of ['AQ1', 'AQ2']) {
      await seedMessage(db.prisma, { queueId: id, mailFrom: 'sender@alerts.test', minutesAgo: 5, recipients: [{ rcpt: `${id}@far.test`, nextAttemptInMinutes: 60 }] });
    }
    const arrived = nextStored();
    const arrivedFar = nextFarStored();
    // Both daemons wake at once; the advisory locks let one announce and one send.
    await notify(pool, CHANNELS.alerts, {});
    await notify(pool, CHANNELS.alerts, {});
    await arrived;
    const mails = await inbox();
    expect(mails).toEqual([{ subject: '[Postern] 2 recipients are waiting in the outbound queue (the threshold is 1)', from: 'postmaster@mx.postern.test', autoSubmitted: 'Auto-Submitted: auto-generated' }]);
    await arrivedFar;
    expect(await inbox('far')).toEqual([{ subject: '[Postern] 2 recipients are waiting in the outbound queue (the threshold is 1)', from: 'postmaster@mx.postern.test', autoSubmitted: 'Auto-Submitted: auto-generated' }]);
    const queued = await pool.query(`SELECT mail_from, rcpt FROM outbound_queue WHERE rcpt = 'oncall@far.test'`);
    expect(queued.rows).toEqual([{ mail_from: '', rcpt: 'oncall@far.test' }]);
    const notices = await pool.query(`SELECT kind, mail_result FROM alert_notices ORDER BY id`);
    expect(notices.rows).toEqual([{ kind: 'queue_size', mail_result: '1 local, 1 queued' }]);
    expect((await pool.query('SELECT key FROM alert_states')).rows).toEqual([{ key: 'queue' }]);
    // The webhook is posted after the mail's commit: its result is written last.
    await new Promise<void>((resolve) => {
      const check = () => (posted.length ? resolve() : webhook.once('request', () => setImmediate(check)));
      check();
    });
    expect(posted).toMatchObject([{ kind: 'queue_size', subject: '[Postern] 2 recipients are waiting in the outbound queue (the threshold is 1)', host: 'mx.postern.test' }]);
  });

  it('a test sent from the panel arrives, audited; the end of the condition arrives as resolved', async () => {
    let arrived = nextStored();
    await sendTestAlert(db.prisma, { kind: 'admin', id: '00000000-0000-4000-8000-00000000000a', email: 'root@alerts.test', role: 'GLOBAL', domainIds: [] });
    await arrived;
    expect((await inbox()).map((m) => m.subject)).toContain('[Postern] test alert');
    expect(await db.prisma.auditLog.count({ where: { action: 'monitoring.test_alert', actor: 'root@alerts.test' } })).toBe(1);

    // The queue drains below the threshold (the seeded rows go, the alert's own copy stays: 1 is not past 1).
    await pool.query(`DELETE FROM outbound_queue WHERE queue_id IN ('AQ1', 'AQ2')`);
    arrived = nextStored();
    await notify(pool, CHANNELS.alerts, {});
    await arrived;
    const subjects = (await inbox()).map((m) => m.subject);
    expect(subjects).toEqual([
      '[Postern] 2 recipients are waiting in the outbound queue (the threshold is 1)',
      '[Postern] test alert',
      '[Postern] resolved: 2 recipients are waiting in the outbound queue (the threshold is 1)',
    ]);
    expect((await pool.query('SELECT key FROM alert_states')).rows).toEqual([]);
  });

  it('the daemons count refusals and failed logins, and /metrics reads them from their heartbeats', async () => {
    const here = daemons[1];
    const { client } = await RawSmtp.connect(here.ports.mx);
    await transcript(client, [['EHLO client.test', 250], ['MAIL FROM:<someone@elsewhere.test>', 250], ['RCPT TO:<nobody@alerts.test>', 550], ['QUIT', 221]]);
    const imap = new ImapFlow({ host: '127.0.0.1', port: imapsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'ops@alerts.test', pass: 'wrong' }, logger: false });
    await expect(imap.connect()).rejects.toThrow();
    // The next heartbeat (every 5 s) carries the counts.
    const deadline = Date.now() + 15_000;
    let families: Record<string, { metrics: { labels?: Record<string, string>; value: string }[] }> = {};
    const seen = () =>
      families.postern_messages_refused_total?.metrics.some((m) => m.labels?.code === '5.1.1' && m.labels.listener === 'mx') &&
      families.postern_logins_total?.metrics.some((m) => m.labels?.protocol === 'imap' && m.labels.result === 'invalid');
    while (!seen() && Date.now() < deadline) {
      const { body } = await clusterMetrics(db.prisma, { goneAfterMs: 15_000 });
      families = Object.fromEntries(parsePrometheusTextFormat(body).map((f) => [f.name, f]));
      if (!seen()) await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen()).toBe(true);
    expect(Number(families.postern_daemons_alive.metrics[0].value)).toBe(2);
    expect(families.postern_daemon_pool_connections.metrics.map((m) => m.labels?.state).sort()).toEqual(['busy', 'idle', 'waiting']);
  });
});
