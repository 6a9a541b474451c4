'use client';

import { Alert } from '@/components/ui/alert';
import { CopyButton } from '@/components/ui/copy-button';
import { Field } from '@/components/ui/field';
import { Input, Select } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { DomainChoice } from '@/lib/forms/domains';
import type { FormState } from '@/lib/forms/state';
import type { CreatedToken } from './actions';

/** New token: name, scope, optional domains, lifetime. The token itself is shown here once. */
export function TokenForm({
  action,
  domains,
  defaultDays,
  maxDays,
}: {
  action: (state: FormState<CreatedToken>, formData: FormData) => Promise<FormState<CreatedToken>>;
  domains: DomainChoice[];
  defaultDays: number;
  maxDays: number;
}) {
  // The token is shown above; the form starts over for the next one.
  const { state, action: formAction, onSubmit, pending, key } = useFormAction(action, {} as FormState<CreatedToken>, { afterSuccess: 'clear' });
  const values = state.values ?? {};
  const errors = state.fieldErrors ?? {};
  const chosen = new Set((values.domains ?? '').split('\n').filter(Boolean));
  return (
    <div className="space-y-4">
      {state.ok && state.data ? (
        <div className="space-y-2 rounded-md border border-border bg-surface-2 p-3" data-testid="new-token">
          <Alert tone="ok">{state.message}</Alert>
          <code className="block break-all text-sm" data-token>
            {state.data.token}
          </code>
          <CopyButton text={state.data.token} label="token" variant="secondary" />
        </div>
      ) : null}
      <form action={formAction} onSubmit={onSubmit} key={key} className="space-y-4" aria-label="New token">
        <Field id="token-name" label="Name" hint="What it is for (grafana, backup-script); audit rows carry it." error={errors.name}>
          {(c) => <Input {...c} name="name" autoComplete="off" spellCheck={false} defaultValue={values.name} required />}
        </Field>
        <Field id="token-scope" label="Scope" hint="Read: GET routes and /metrics only. Full: also the routes that change things." error={errors.scope}>
          {(c) => (
            <Select {...c} name="scope" defaultValue={values.scope ?? 'read'}>
              <option value="read">read</option>
              <option value="full">full</option>
            </Select>
          )}
        </Field>
        <fieldset className="space-y-1" aria-describedby="token-domains-error" aria-invalid={Boolean(errors.domains)}>
          <legend className="text-sm font-medium">Domains</legend>
          <p className="text-xs text-muted">None chosen: every domain. Chosen: the token sees only these, like a domain admin.</p>
          {domains.map((d) => (
            <label key={d.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="domains" value={d.name} defaultChecked={chosen.has(d.name)} className="size-4 accent-[var(--color-accent)]" />
              {d.displayName}
            </label>
          ))}
          <p id="token-domains-error" aria-live="polite" className="text-sm text-danger">
            {errors.domains ?? ''}
          </p>
        </fieldset>
        <Field id="token-days" label="Expires after (days)" hint={`1 to ${maxDays}.`} error={errors.expiresInDays}>
          {(c) => <Input {...c} name="expiresInDays" type="number" min={1} max={maxDays} defaultValue={values.expiresInDays ?? String(defaultDays)} />}
        </Field>
        {!state.ok ? <Alert>{state.message}</Alert> : null}
        <SubmitButton pendingText="Creating…" pending={pending}>
          Create token
        </SubmitButton>
      </form>
    </div>
  );
}
