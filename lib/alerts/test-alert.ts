import type { Actor } from '@/lib/actor';
import { announce } from '@/lib/audit/announce';
import { audit } from '@/lib/audit/audit';
import { CHANNELS } from '@/lib/db/channels';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { ServiceError } from '@/lib/errors';
import { getMonitoringSettings } from './settings';

/** Queues a test notice to the configured recipients and webhook; a daemon sends it at once. */
export async function sendTestAlert(db: Db, actor: Actor, now = new Date()): Promise<{ id: string }> {
  requireGlobal(actor, 'send test alerts');
  const settings = await getMonitoringSettings(db);
  if (!settings.alertRecipients.length && !settings.webhookUrl) throw new ServiceError('invalid', 'set alert recipients or a webhook first', 'alertRecipients');
  return db.$transaction(async (tx) => {
    const notice = await tx.alertNotice.create({
      data: { kind: 'test', subject: '[Postern] test alert', body: `A test alert, sent from the panel at ${now.toISOString()}.\nAlerts reach you here.\n`, createdAt: now },
      select: { id: true },
    });
    await audit(tx, actor, 'monitoring.test_alert', String(notice.id), undefined, { recipients: settings.alertRecipients, webhook: settings.webhookUrl !== null });
    await announce(tx, CHANNELS.alerts, {});
    return { id: String(notice.id) };
  });
}
