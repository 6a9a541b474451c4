'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { PasswordInput } from '@/components/ui/password-input';
import { QuotaInput } from '@/components/ui/quota-input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { PasswordRules } from '@/lib/validations/password';
import { removeMailboxAction, resetPasswordAction, setMailboxEnabledAction, updateMailboxAction } from '../actions';

interface MailboxView {
  address: string;
  displayName: string | null;
  quotaBytes: number;
}

export function EditMailboxForm({ mailbox }: { mailbox: MailboxView }) {
  const { state, action, onSubmit, pending } = useFormAction(updateMailboxAction, {});
  const [name, setName] = useState(mailbox.displayName ?? '');
  const errors = state.fieldErrors ?? {};
  return (
    <Card>
      <h2 className="mb-4 text-base font-semibold">Settings</h2>
      <form action={action} onSubmit={onSubmit} className="grid gap-5" noValidate>
        <input type="hidden" name="address" value={mailbox.address} />
        <Field id="name" label="Display name" error={errors.name}>
          {(a) => <Input {...a} name="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoComplete="off" />}
        </Field>
        <QuotaInput id="quota" bytes={mailbox.quotaBytes} error={errors.quota} />
        <Alert tone={state.ok ? 'ok' : 'danger'}>{state.ok || !state.fieldErrors ? state.message : undefined}</Alert>
        <div>
          <SubmitButton pendingText="Saving…" pending={pending}>Save changes</SubmitButton>
        </div>
      </form>
    </Card>
  );
}

export function ResetPasswordForm({ address, rules }: { address: string; rules: PasswordRules }) {
  // The typed password is not left in the page once it is set.
  const { state, action, onSubmit, pending, key } = useFormAction(resetPasswordAction, {}, { afterSuccess: 'clear' });
  return (
    <Card>
      <h2 className="mb-4 text-base font-semibold">Reset password</h2>
      <form action={action} onSubmit={onSubmit} className="grid gap-4" noValidate key={key}>
        <input type="hidden" name="address" value={address} />
        <PasswordInput
          id="new-password"
          label="New password"
          rules={rules}
          address={address}
          error={state.fieldErrors?.password}
          optionalHint="Leave empty to generate one (shown once)."
        />
        <div>
          <SubmitButton variant="secondary" pendingText="Changing…" pending={pending}>
            Set password
          </SubmitButton>
        </div>
      </form>
      <Alert tone={state.ok ? 'ok' : 'danger'} className="mt-3">
        {state.ok || !state.fieldErrors ? state.message : undefined}
      </Alert>
      {state.ok && state.data?.generatedPassword ? (
        <p className="mt-2 text-sm">
          New password (shown once):{' '}
          <span className="rounded bg-surface-2 px-2 py-1 font-mono select-all" data-testid="generated-password">
            {state.data.generatedPassword}
          </span>
        </p>
      ) : null}
    </Card>
  );
}

export function DangerZone({ address, enabled }: { address: string; enabled: boolean }) {
  const { state, action, onSubmit, pending } = useFormAction(setMailboxEnabledAction, {});
  return (
    <Card className="border-danger/40">
      <h2 className="mb-1 text-base font-semibold">Disable or delete</h2>
      <p className="mb-3 text-sm text-muted">A disabled mailbox receives no mail and cannot sign in; its mail is kept.</p>
      <div className="flex flex-wrap items-center gap-3">
        <form action={action} onSubmit={onSubmit}>
          <input type="hidden" name="address" value={address} />
          <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
          <SubmitButton variant="secondary" size="sm" pending={pending}>
            {enabled ? 'Disable mailbox' : 'Enable mailbox'}
          </SubmitButton>
        </form>
        <ConfirmDialog
          id="delete-mailbox"
          trigger="Delete mailbox"
          title={`Delete ${address}?`}
          confirmLabel={`Delete ${address}`}
          action={removeMailboxAction}
          fields={{ address }}
          body={
            <>
              The mailbox <strong className="text-fg">{address}</strong> and all of its mail are deleted. This cannot be undone.
            </>
          }
        />
      </div>
      <Alert tone={state.ok ? 'ok' : 'danger'} className="mt-3">
        {state.message}
      </Alert>
    </Card>
  );
}
