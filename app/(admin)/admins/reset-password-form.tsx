'use client';

import { Alert } from '@/components/ui/alert';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';

/** A new generated password for another admin (e.g. one who forgot theirs), shown once. */
export function ResetPasswordForm({
  action,
  email,
}: {
  action: (state: FormState<{ generatedPassword?: string }>, formData: FormData) => Promise<FormState<{ generatedPassword?: string }>>;
  email: string;
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState<{ generatedPassword?: string }>);
  return (
    <form action={formAction} onSubmit={onSubmit} className="mt-2 space-y-2" aria-label={`New password for ${email}`}>
      <input type="hidden" name="email" value={email} />
      {state.ok && state.data?.generatedPassword ? (
        <p className="rounded-md border border-warn bg-warn-bg p-2 text-sm">
          New password, shown only now: <code className="select-all font-mono">{state.data.generatedPassword}</code>
        </p>
      ) : (
        <SubmitButton size="sm" variant="secondary" pendingText="Generating…" pending={pending}>
          Generate a new password
        </SubmitButton>
      )}
      <Alert>{state.ok ? undefined : state.message}</Alert>
    </form>
  );
}
