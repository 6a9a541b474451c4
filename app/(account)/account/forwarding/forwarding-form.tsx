'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import { setForwardingAction } from '../actions';

export function ForwardingForm({ destinations, keepCopy }: { destinations: string[]; keepCopy: boolean }) {
  const { state, action, onSubmit, pending } = useFormAction(setForwardingAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={onSubmit} className="max-w-md space-y-4" aria-label="Forwarding">
      <Field id="destinations" label="Forward to" hint="One address per line. Leave empty to stop forwarding." error={errors.destinations}>
        {(c) => (
          <textarea {...c} name="destinations" rows={4} defaultValue={destinations.join('\n')} className="w-full rounded-md border border-border bg-surface p-2 font-mono text-sm" />
        )}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="keepCopy" defaultChecked={keepCopy} /> Keep a copy in this mailbox
      </label>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Saving…" pending={pending}>
        Save forwarding
      </SubmitButton>
    </form>
  );
}
