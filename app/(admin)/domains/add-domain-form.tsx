'use client';

import { useEffect, useRef } from 'react';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Checkbox, Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import { addDomainAction } from './actions';

export function AddDomainForm() {
  const { state, action, onSubmit, pending } = useFormAction(addDomainAction, {});
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.ok) ref.current?.reset();
  }, [state]);
  return (
    <Card>
      <h2 className="mb-3 text-base font-semibold">Add a domain</h2>
      <form ref={ref} action={action} onSubmit={onSubmit} className="flex flex-wrap items-start gap-4" noValidate>
        <Field
          id="domain-name"
          label="Domain name"
          error={state.fieldErrors?.name}
          hint="International names are fine: bücher.example is stored as xn--bcher-kva.example."
          className="min-w-64 flex-1"
        >
          {(a) => <Input {...a} name="name" placeholder="example.org" autoComplete="off" required />}
        </Field>
        <Checkbox name="enabled" label="Enabled" defaultChecked className="mt-8" />
        <SubmitButton className="mt-6" pendingText="Adding…" pending={pending}>
          Add domain
        </SubmitButton>
      </form>
      <Alert tone={state.ok ? 'ok' : 'danger'} className="mt-2">
        {state.ok || !state.fieldErrors ? state.message : undefined}
      </Alert>
    </Card>
  );
}
