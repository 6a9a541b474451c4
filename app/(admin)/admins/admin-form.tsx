'use client';

import { useActionState, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import type { FormState } from '@/lib/forms/state';
import { generatePassword } from '@/lib/validations/password';
import { PasswordHints, type Rules } from './password-hints';

/** New admin: email, initial password, role and — for a domain admin — its domains. */
export function AdminForm({
  action,
  domains,
  rules,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  domains: { id: string; displayName: string }[];
  rules: Rules;
}) {
  const [state, formAction] = useActionState(action, {} as FormState);
  const values = state.values ?? {};
  const errors = state.fieldErrors ?? {};
  const [role, setRole] = useState(values.role === 'DOMAIN' ? 'DOMAIN' : 'GLOBAL');
  const [password, setPassword] = useState(values.password ?? '');
  const [email, setEmail] = useState(values.email ?? '');
  const [shown, setShown] = useState(false);
  // A success empties the form (React's "adjust state when a prop changes").
  const [seenDone, setSeenDone] = useState(state.done);
  if (seenDone !== state.done) {
    setSeenDone(state.done);
    setPassword('');
    setEmail('');
    setShown(false);
    setRole('GLOBAL');
  }
  const chosen = new Set((values.domainIds ?? '').split('\n').filter(Boolean));

  return (
    <form
      action={formAction}
      key={state.done ?? 0}
      className="space-y-4"
      aria-label="New admin"
    >
      <Field id="admin-email" label="Email" error={errors.email}>
        {(c) => <Input {...c} name="email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field id="admin-password" label="Initial password" error={errors.password} hint="Tell it to the new admin over a separate channel; they can change it under “My account”.">
        {(c) => (
          <div className="flex gap-2">
            <Input
              {...c}
              name="password"
              type={shown ? 'text' : 'password'}
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <Button
              variant="secondary"
              onClick={() => {
                setPassword(generatePassword());
                setShown(true);
              }}
            >
              Generate
            </Button>
          </div>
        )}
      </Field>
      <PasswordHints password={password} rules={rules} name={email} />

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Role</legend>
        <label className="flex items-start gap-2 text-sm">
          <input type="radio" name="role" value="GLOBAL" checked={role === 'GLOBAL'} onChange={() => setRole('GLOBAL')} className="mt-1 accent-[var(--color-accent)]" />
          <span>
            Global admin <span className="block text-xs text-muted">Everything, including policies, certificates and other admins.</span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input type="radio" name="role" value="DOMAIN" checked={role === 'DOMAIN'} onChange={() => setRole('DOMAIN')} className="mt-1 accent-[var(--color-accent)]" />
          <span>
            Domain admin <span className="block text-xs text-muted">Only the mailboxes and aliases of the domains chosen below.</span>
          </span>
        </label>
      </fieldset>

      {role === 'DOMAIN' ? (
        <fieldset className="space-y-1" aria-describedby="admin-domains-error">
          <legend className="text-sm font-medium">Domains</legend>
          {domains.length ? (
            <div className="max-h-48 space-y-1 overflow-y-auto rounded-md border border-border p-2">
              {domains.map((d) => (
                <label key={d.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="domainIds" value={d.id} defaultChecked={chosen.has(d.id)} className="size-4 accent-[var(--color-accent)]" />
                  {d.displayName}
                </label>
              ))}
            </div>
          ) : (
            <p className="text-sm text-muted">There are no domains yet.</p>
          )}
          <p id="admin-domains-error" aria-live="polite" className="text-sm text-danger" data-field-error="domainIds">
            {errors.domainIds ?? ''}
          </p>
        </fieldset>
      ) : null}

      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      <SubmitButton pendingText="Adding…">Add admin</SubmitButton>
    </form>
  );
}
