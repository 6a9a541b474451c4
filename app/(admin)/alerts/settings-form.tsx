'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Checkbox, Input, Textarea } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { MonitoringSettingsDto } from '@/lib/alerts/settings';
import type { FormState } from '@/lib/forms/state';

/** Where alerts go, when they fire, and who may scrape /metrics without a token. */
export function SettingsForm({ action, settings }: { action: (state: FormState, formData: FormData) => Promise<FormState>; settings: MonitoringSettingsDto }) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  const v = state.values;
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-4" aria-label="Monitoring settings">
      <Field id="alert-recipients" label="Alert recipients" hint="Addresses, one per line or separated by commas." error={errors.alertRecipients}>
        {(c) => <Textarea {...c} name="alertRecipients" rows={3} defaultValue={v?.alertRecipients ?? settings.alertRecipients.join('\n')} />}
      </Field>
      <Field id="alert-webhook" label="Webhook URL" hint="Optional: each alert is also POSTed there as JSON {kind, subject, text, at, host}." error={errors.webhookUrl}>
        {(c) => <Input {...c} name="webhookUrl" type="url" defaultValue={v?.webhookUrl ?? settings.webhookUrl ?? ''} />}
      </Field>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id="alert-cert-days" label="Certificate days left" error={errors.certDays}>
          {(c) => <Input {...c} name="certDays" type="number" min={1} max={365} defaultValue={v?.certDays ?? settings.certDays} />}
        </Field>
        <Field id="alert-daemon-minutes" label="Daemon silent (minutes)" error={errors.daemonSilentMinutes}>
          {(c) => <Input {...c} name="daemonSilentMinutes" type="number" min={1} max={1440} defaultValue={v?.daemonSilentMinutes ?? settings.daemonSilentMinutes} />}
        </Field>
        <Field id="alert-queue" label="Queue threshold" hint="Waiting recipients." error={errors.queueThreshold}>
          {(c) => <Input {...c} name="queueThreshold" type="number" min={1} defaultValue={v?.queueThreshold ?? settings.queueThreshold} />}
        </Field>
      </div>
      <Checkbox name="sendLimitAlerts" label="Alert when a mailbox hits a send limit" defaultChecked={v ? v.sendLimitAlerts === 'on' : settings.sendLimitAlerts} />
      <Field
        id="metrics-allow"
        label="May scrape /metrics without a token"
        hint="Addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32). Empty: a token is always needed."
        error={errors.metricsAllow}
      >
        {(c) => <Textarea {...c} name="metricsAllow" rows={2} defaultValue={v?.metricsAllow ?? settings.metricsAllow.join('\n')} />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Saving…" pending={pending}>
        Save
      </SubmitButton>
    </form>
  );
}

/** Queues a test notice to the recipients and the webhook. */
export function TestAlertButton({ action }: { action: (state: FormState) => Promise<FormState> }) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-2" aria-label="Test alert">
      <SubmitButton variant="secondary" pendingText="Queuing…" pending={pending}>
        Send a test alert
      </SubmitButton>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
    </form>
  );
}
