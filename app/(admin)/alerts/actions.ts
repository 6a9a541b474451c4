'use server';

import { revalidatePath } from 'next/cache';
import { sendTestAlert, updateMonitoringSettings } from '@/lib/alerts';
import { db } from '@/lib/dal/db';
import { requireGlobalAdmin } from '@/lib/dal/session';
import { echo, fromError, success, type FormState } from '@/lib/forms/state';

/** The service validates (lib/alerts/settings.ts); its field errors land on the form. */
export async function saveMonitoringAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const actor = await requireGlobalAdmin();
  const text = (name: string) => String(formData.get(name) ?? '');
  try {
    await updateMonitoringSettings(db(), actor, {
      metricsAllow: text('metricsAllow'),
      alertRecipients: text('alertRecipients'),
      webhookUrl: text('webhookUrl'),
      certDays: text('certDays'),
      daemonSilentMinutes: text('daemonSilentMinutes'),
      queueThreshold: text('queueThreshold'),
      sendLimitAlerts: formData.get('sendLimitAlerts') === 'on',
    });
    revalidatePath('/alerts');
    return success('Monitoring settings saved.');
  } catch (err) {
    return { ...fromError(err), values: echo(formData) };
  }
}

export async function testAlertAction(_prev: FormState): Promise<FormState> {
  const actor = await requireGlobalAdmin();
  try {
    await sendTestAlert(db(), actor);
  } catch (err) {
    return fromError(err);
  }
  revalidatePath('/alerts');
  return success('Test alert queued: a mail daemon sends it within seconds.');
}
