'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import { beginTotpAction, confirmTotpAction, disableTotpAction } from './actions';

export function BeginForm() {
  const { state, action, onSubmit, pending } = useFormAction(beginTotpAction, {} as FormState);
  return (
    <form action={action} onSubmit={onSubmit} className="space-y-3" aria-label="Set up two-factor authentication">
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Starting…" pending={pending}>Set up two-factor authentication</SubmitButton>
    </form>
  );
}

export function ConfirmForm() {
  const { state, action, onSubmit, pending } = useFormAction(confirmTotpAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={onSubmit} className="max-w-xs space-y-3" aria-label="Confirm two-factor authentication">
      <Field id="totp-code" label="Code from your app" error={errors.code}>
        {(c) => <Input {...c} name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={6} />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Checking…" pending={pending}>Turn on</SubmitButton>
    </form>
  );
}

export function DisableForm() {
  const { state, action, onSubmit, pending } = useFormAction(disableTotpAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={onSubmit} className="max-w-xs space-y-3" aria-label="Turn off two-factor authentication">
      <Field id="totp-password" label="Your password" error={errors.password}>
        {(c) => <Input {...c} name="password" type="password" autoComplete="current-password" required />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton variant="danger" pendingText="Turning off…" pending={pending}>
        Turn off
      </SubmitButton>
    </form>
  );
}
