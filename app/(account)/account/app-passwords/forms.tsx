'use client';

import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import type { FormState } from '@/lib/forms/state';
import { createAppPasswordAction, revokeAppPasswordAction, type CreatedAppPassword } from '../actions';

/** Names a device; the new password is shown here once and never again. */
export function CreateAppPasswordForm() {
  const [state, formAction] = useActionState(createAppPasswordAction, {} as FormState<CreatedAppPassword>);
  const errors = state.fieldErrors ?? {};
  return (
    <div className="space-y-4">
      <form action={formAction} key={state.done ?? 0} className="flex max-w-md flex-wrap items-end gap-2" aria-label="Create an app password">
        <Field id="app-name" label="Device" hint="e.g. Phone, Laptop Thunderbird" error={errors.name} className="flex-1">
          {(c) => <Input {...c} name="name" required maxLength={64} />}
        </Field>
        <SubmitButton pendingText="Creating…">Create</SubmitButton>
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
  const [state, formAction] = useActionState(revokeAppPasswordAction, {} as FormState);
  return (
    <form action={formAction} aria-label={`Revoke ${name}`}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" size="sm" pendingText="Revoking…">
        Revoke
      </SubmitButton>
      {state.ok === false ? <Alert>{state.message}</Alert> : null}
    </form>
  );
}
