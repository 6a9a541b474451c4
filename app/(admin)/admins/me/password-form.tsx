'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import { PasswordHints, type Rules } from '../password-hints';

/** Change the signed-in admin's own password: the current one proves it is really them. */
export function PasswordForm({
  action,
  rules,
  email,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  rules: Rules;
  email: string;
}) {
  // Passwords are not left in the page once the change is made.
  const { state, action: formAction, onSubmit, pending, key } = useFormAction(action, {} as FormState, { afterSuccess: 'clear' });
  const [next, setNext] = useState('');
  const [seen, setSeen] = useState(key);
  if (seen !== key) {
    setSeen(key);
    setNext('');
  }
  const errors = state.fieldErrors ?? {};
  return (
    <form action={formAction} onSubmit={onSubmit} key={key} className="max-w-md space-y-4" aria-label="Change password">
      {/* Lets password managers attach the new password to the right account. */}
      <input type="hidden" name="username" autoComplete="username" value={email} readOnly />
      <Field id="pw-current" label="Current password" error={errors.currentPassword}>
        {(c) => <Input {...c} name="currentPassword" type="password" autoComplete="current-password" required />}
      </Field>
      <Field id="pw-new" label="New password" error={errors.newPassword}>
        {(c) => <Input {...c} name="newPassword" type="password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />}
      </Field>
      <PasswordHints password={next} rules={rules} name={email} />
      <Field id="pw-confirm" label="New password again" error={errors.confirmPassword}>
        {(c) => <Input {...c} name="confirmPassword" type="password" autoComplete="new-password" required />}
      </Field>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Changing…" pending={pending}>
        Change password
      </SubmitButton>
    </form>
  );
}
