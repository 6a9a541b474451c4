'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import { createAppPasswordAction, revokeAppPasswordAction, type CreatedAppPassword } from '../actions';

/** Names a device; the new password is shown here once and never again. */
export function CreateAppPasswordForm() {
  // A new device name each time: the form clears once the password is shown.
  const { state, action, onSubmit, pending, key } = useFormAction(createAppPasswordAction, {} as FormState<CreatedAppPassword>, { afterSuccess: 'clear' });
  const errors = state.fieldErrors ?? {};
  return (
    <div className="space-y-4">
      <form action={action} onSubmit={onSubmit} key={key} className="flex max-w-md flex-wrap items-end gap-2" aria-label="Create an app password">
        <Field id="app-name" label="Device" hint="e.g. Phone, Laptop Thunderbird" error={errors.name} className="flex-1">
          {(c) => <Input {...c} name="name" required maxLength={64} />}
        </Field>
        <SubmitButton pendingText="Creating…" pending={pending}>
          Create
        </SubmitButton>
      </form>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      {state.ok && state.data ? (
        <p className="text-sm">
          Password for {state.data.name}:{' '}
          <code className="rounded bg-surface-2 px-2 py-1 font-mono text-base" data-testid="new-app-password">
            {state.data.password}
          </code>
        </p>
      ) : null}
    </div>
  );
}

export function RevokeAppPasswordForm({ id, name }: { id: string; name: string }) {
  const { state, action, onSubmit, pending } = useFormAction(revokeAppPasswordAction, {} as FormState);
  return (
    <form action={action} onSubmit={onSubmit} aria-label={`Revoke ${name}`}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" size="sm" pendingText="Revoking…" pending={pending}>
        Revoke
      </SubmitButton>
      {state.ok === false ? <Alert>{state.message}</Alert> : null}
    </form>
  );
}
