'use client';

import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { PasswordInput } from '@/components/ui/password-input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import type { PasswordRules } from '@/lib/validations/password';
import { changePasswordAction } from '../actions';

export function PasswordForm({ rules, address }: { rules: PasswordRules; address: string }) {
  // Passwords are not left in the page once the change is made.
  const { state, action, onSubmit, pending, key } = useFormAction(changePasswordAction, {} as FormState, { afterSuccess: 'clear' });
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={onSubmit} key={key} className="max-w-md space-y-4" aria-label="Change password">
      <input type="hidden" name="username" autoComplete="username" value={address} readOnly />
      <Field id="current" label="Current password" error={errors.current}>
        {(c) => <Input {...c} name="current" type="password" autoComplete="current-password" required />}
      </Field>
      <PasswordInput id="password" name="password" label="New password" rules={rules} address={address} error={errors.password} required />
      <Field id="confirm" label="New password again" error={errors.confirm}>
        {(c) => <Input {...c} name="confirm" type="password" autoComplete="new-password" required />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Changing…" pending={pending}>
        Change password
      </SubmitButton>
    </form>
  );
}
