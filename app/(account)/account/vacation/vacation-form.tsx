'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import type { Vacation } from '@/lib/self-service/vacation';
import { setVacationAction } from '../actions';

export function VacationForm({ vacation }: { vacation: Vacation }) {
  const { state, action, onSubmit, pending } = useFormAction(setVacationAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={onSubmit} className="max-w-xl space-y-4" aria-label="Vacation reply">
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" defaultChecked={vacation.enabled} /> Send the automatic reply
      </label>
      <Field id="subject" label="Subject" error={errors.subject}>
        {(c) => <Input {...c} name="subject" defaultValue={vacation.subject} maxLength={200} required />}
      </Field>
      <Field id="body" label="Message" error={errors.body}>
        {(c) => (
          <textarea {...c} name="body" rows={6} defaultValue={vacation.body} className="w-full rounded-md border border-border bg-surface p-2 text-sm" />
        )}
      </Field>
      <Field id="intervalDays" label="Answer each sender at most once every (days)" error={errors.intervalDays}>
        {(c) => <Input {...c} name="intervalDays" type="number" min={1} max={30} defaultValue={vacation.intervalDays} className="w-24" />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Saving…" pending={pending}>
        Save
      </SubmitButton>
    </form>
  );
}
