'use client';

import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { checkDnsAction } from './actions';

export function CheckNowButton({ name }: { name: string }) {
  const { state, action, onSubmit, pending } = useFormAction(checkDnsAction, {});
  return (
    <form action={action} onSubmit={onSubmit} className="flex items-center gap-2">
      <input type="hidden" name="name" value={name} />
      <SubmitButton pendingText="Checking…" pending={pending}>Check now</SubmitButton>
      <span role={state.ok === false ? 'alert' : 'status'} aria-live="polite" className={state.ok === false ? 'text-sm text-danger' : 'text-sm text-muted'}>
        {state.ok === false ? (state.fieldErrors?.name ?? state.message) : state.message}
      </span>
    </form>
  );
}
