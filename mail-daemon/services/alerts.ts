import type pg from 'pg';
import { composeAlert, getMonitoringSettings, recordAlerts, type MonitoringSettingsDto } from '@/lib/alerts';
import { CHANNELS } from '@/lib/db/channels';
import { resolveRecipient } from '@/lib/directory';
import type { Logger } from '@/lib/log';
import type { DaemonContext, DaemonService, ListenerInfo } from '../context';
import { enqueue } from '../outbound/pg-queue';
import { periodicService } from '../periodic';
import { newQueueId } from '../smtp/queue-id';
import { deliver } from '../store';

/** Session advisory lock of the sender: one daemon at a time mails the waiting notices. */
const SEND_LOCK = 0x616c657274 + 1;
const WEBHOOK_TIMEOUT_MS = 5000;
const PASS_MS = 60_000;

interface NoticeRow {
  id: string;
  kind: string;
  subject: string;
  body: string;
  created_at: Date;
}

/** Where each recipient's copy goes: a local mailbox (stored at once), or out through the queue. */
async function route(ctx: DaemonContext, recipients: string[]): Promise<{ mailboxIds: string[]; remote: string[]; unknown: string[] }> {
  const out = { mailboxIds: [] as string[], remote: [] as string[], unknown: [] as string[] };
  for (const address of recipients) {
    const r = await resolveRecipient(ctx.db, address, async (domainId) => (await ctx.policy.get(domainId)).recipientDelimiter);
    if (r.status === 'not_local') out.remote.push(address);
    else if (r.status === 'ok') {
      out.mailboxIds.push(...r.mailboxes.map((m) => m.id));
      out.remote.push(...r.remote);
    } else out.unknown.push(address);
  }
  return { ...out, mailboxIds: [...new Set(out.mailboxIds)] };
}

/** The notice by mail: stored for local recipients and queued for the others, marked sent in the same transaction. */
async function mailNotice(ctx: DaemonContext, settings: MonitoringSettingsDto, n: NoticeRow): Promise<void> {
  const to = await route(ctx, settings.alertRecipients);
  const result = [
    `${to.mailboxIds.length} local, ${to.remote.length} queued`,
    ...(to.unknown.length ? [`no such mailbox: ${to.unknown.join(', ')}`] : []),
  ].join('; ');
  const markSent = (db: pg.Pool | pg.PoolClient) =>
    db.query('UPDATE alert_notices SET sent_at = now(), mail_result = $2 WHERE id = $1 AND sent_at IS NULL', [n.id, settings.alertRecipients.length ? result : 'no recipients']);
  if (!to.mailboxIds.length && !to.remote.length) {
    await markSent(ctx.pool);
    return;
  }
  const raw = composeAlert({ subject: n.subject, body: n.body, to: settings.alertRecipients, hostname: ctx.env.POSTERN_HOSTNAME, date: n.created_at });
  await deliver(ctx.pool, { raw, recipients: to.mailboxIds.map((mailboxId) => ({ mailboxId })) }, async (tx, stored) => {
    // The null reverse-path: an alert that cannot be delivered is not bounced back to anyone.
    if (to.remote.length) await enqueue(tx, { queueId: newQueueId(), blobId: stored.blobId, mailFrom: '', authUser: null, recipients: to.remote.map((address) => ({ address })) });
    await markSent(tx);
  });
}

/** The notice as JSON to the webhook, after the mail is committed; what it answered is kept. */
async function postWebhook(ctx: DaemonContext, url: string, n: NoticeRow): Promise<void> {
  let result: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: n.kind, subject: n.subject, text: n.body, at: n.created_at.toISOString(), host: ctx.env.POSTERN_HOSTNAME }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      redirect: 'error',
    });
    result = `HTTP ${res.status}`;
    await res.body?.cancel();
  } catch (err) {
    result = `failed: ${(err as Error).message}`.slice(0, 300);
  }
  await ctx.pool.query('UPDATE alert_notices SET webhook_result = $2 WHERE id = $1', [n.id, result]);
}

async function sendNotices(ctx: DaemonContext, log: Logger): Promise<void> {
  const client = await ctx.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [SEND_LOCK]);
    if (!rows[0].locked) return;
    try {
      const settings = await getMonitoringSettings(ctx.db);
      const waiting = await client.query<NoticeRow>('SELECT id::text, kind, subject, body, created_at FROM alert_notices WHERE sent_at IS NULL ORDER BY id LIMIT 50');
      for (const n of waiting.rows) {
        await mailNotice(ctx, settings, n);
        if (settings.webhookUrl) await postWebhook(ctx, settings.webhookUrl, n);
        log.info({ notice: n.id, kind: n.kind }, 'alert sent');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [SEND_LOCK]);
    }
  } finally {
    client.release();
  }
}

/**
 * Alerts: every minute (and when the panel queues a test) the conditions are compared with
 * what is already firing (lib/alerts, under an advisory lock) and the waiting notices are
 * mailed and posted, by one daemon at a time.
 */
export function alertsService(intervalMs = PASS_MS): DaemonService {
  const periodic = periodicService(
    'alerts',
    intervalMs,
    async (ctx, log) => {
      const recorded = await recordAlerts(ctx.db);
      if (recorded && (recorded.fired || recorded.resolved)) log.info(recorded, 'alerts changed');
      await sendNotices(ctx, log);
    },
    5_000,
  );
  return {
    name: periodic.name,
    async start(ctx: DaemonContext): Promise<ListenerInfo[]> {
      const listeners = await periodic.start(ctx);
      await ctx.bus.listen(CHANNELS.alerts, () => periodic.wake());
      return listeners;
    },
    stop: () => periodic.stop(),
  };
}
