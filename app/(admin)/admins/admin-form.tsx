'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { useFormAction } from '@/components/ui/use-form-action';
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
  domains: { id: string; name: string; displayName: string }[];
  rules: Rules;
}) {
  // A create form that stays on the page: a success empties it for the next admin.
  const { state, action: formAction, onSubmit, pending, key } = useFormAction(action, {} as FormState, { afterSuccess: 'clear' });
  const values = state.values ?? {};
  const errors = state.fieldErrors ?? {};
  // Domain admin unless chosen otherwise: the least power is the safer default.
  const [role, setRole] = useState(values.role === 'GLOBAL' ? 'GLOBAL' : 'DOMAIN');
  const [password, setPassword] = useState(values.password ?? '');
  const [email, setEmail] = useState(values.email ?? '');
  const [shown, setShown] = useState(false);
  // The fields' state lives here, outside the remounted form: empty it too.
  const [seenKey, setSeenKey] = useState(key);
  if (seenKey !== key) {
    setSeenKey(key);
    setPassword('');
    setEmail('');
    setShown(false);
    setRole('DOMAIN');
  }
  const chosen = new Set((values.domains ?? '').split('\n').filter(Boolean));
  const generated = (state.data as { generatedPassword?: string } | undefined)?.generatedPassword;

  return (
    <form
      action={formAction}
      onSubmit={onSubmit}
      key={key}
      className="space-y-4"
      aria-label="New admin"
    >
      <Field id="admin-email" label="Email" error={errors.email}>
        {(c) => <Input {...c} name="email" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field
        id="admin-password"
        label="Initial password"
        error={errors.password}
        hint="Leave empty to have one generated. Tell it to the new admin over a separate channel; they change it under “My account”."
      >
        {(c) => (
          <div className="flex gap-2">
            <Input
              {...c}
              name="password"
              type={shown ? 'text' : 'password'}
              autoComplete="new-password"
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
        <fieldset className="space-y-1" aria-describedby="admin-domains-error" aria-invalid={Boolean(errors.domains)}>
          <legend className="text-sm font-medium">Domains</legend>
          {domains.length ? (
            <div className="max-h-48 space-y-1 overflow-y-auto rounded-md border border-border p-2">
              {domains.map((d) => (
                <label key={d.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="domains" value={d.name} defaultChecked={chosen.has(d.name)} className="size-4 accent-[var(--color-accent)]" />
                  {d.displayName}
                </label>
              ))}
            </div>
          ) : (
            <p className="text-sm text-muted">There are no domains yet.</p>
          )}
          <p id="admin-domains-error" aria-live="polite" className="text-sm text-danger" data-field-error="domains">
            {errors.domains ?? ''}
          </p>
        </fieldset>
      ) : null}

      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
      {state.ok && generated ? (
        <p className="rounded-md border border-warn bg-warn-bg p-3 text-sm">
          Generated password, shown only now: <code className="select-all font-mono" data-testid="generated-password">{generated}</code>
        </p>
      ) : null}
      <Button type="submit" disabled={pending} aria-disabled={pending}>
        {pending ? 'Adding…' : 'Add admin'}
      </Button>
    </form>
  );
}
