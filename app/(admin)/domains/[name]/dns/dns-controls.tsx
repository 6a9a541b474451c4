'use client';

import { useActionState } from 'react';
import { SubmitButton } from '@/components/ui/submit-button';
import { checkDnsAction } from './actions';

export function CheckNowButton({ name }: { name: string }) {
  const [state, action] = useActionState(checkDnsAction, {});
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="name" value={name} />
      <SubmitButton pendingText="Checking…">Check now</SubmitButton>
      <span role={state.ok === false ? 'alert' : 'status'} aria-live="polite" className={state.ok === false ? 'text-sm text-danger' : 'text-sm text-muted'}>
        {state.ok === false ? (state.fieldErrors?.name ?? state.message) : state.message}
      </span>
    </form>
  );
}
