'use client';

import { Alert } from '@/components/ui/alert';
import { CreateFormActions } from '@/components/ui/create-page';
import { Field } from '@/components/ui/field';
import { Checkbox, Input } from '@/components/ui/input';
import { useFormAction } from '@/components/ui/use-form-action';
import { addDomainAction } from '../actions';

/** New domain: its name (international names are stored in their ASCII form) and whether it receives mail yet. */
export function CreateDomainForm() {
  const { state, action, onSubmit, pending } = useFormAction(addDomainAction, {});
  return (
    <form action={action} onSubmit={onSubmit} className="grid gap-5" aria-label="New domain" noValidate>
      <Field
        id="domain-name"
        label="Domain name"
        error={state.fieldErrors?.name}
        hint="International names are fine: bücher.example is stored as xn--bcher-kva.example."
      >
        {(a) => (
          <Input
            {...a}
            name="name"
            placeholder="example.org"
            // The page exists to fill in this form: start where the typing starts.
            autoFocus
            autoComplete="off"
            spellCheck={false}
            required
          />
        )}
      </Field>
      <Checkbox name="enabled" label="Enabled (receives mail)" defaultChecked />
      <Alert>{state.ok === false && !state.fieldErrors ? state.message : undefined}</Alert>
      <CreateFormActions submit="Add domain" pendingText="Adding…" pending={pending} cancelHref="/domains" />
    </form>
  );
}
