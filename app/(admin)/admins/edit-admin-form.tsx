'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';

/** Role and domain scope of an existing admin. */
export function EditAdminForm({
  action,
  email,
  role: initialRole,
  domains,
  chosen,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  email: string;
  role: 'GLOBAL' | 'DOMAIN';
  domains: { id: string; name: string; displayName: string }[];
  chosen: string[];
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  const [role, setRole] = useState(initialRole);
  const errors = state.fieldErrors ?? {};
  const id = email.replace(/[^a-z0-9]/gi, '-');
  return (
    <form action={formAction} onSubmit={onSubmit} className="mt-2 space-y-2" aria-label={`Role and domains of ${email}`}>
      <input type="hidden" name="email" value={email} />
      <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Role">
        {(['GLOBAL', 'DOMAIN'] as const).map((r) => (
          <label key={r} className="inline-flex items-center gap-1.5">
            <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} className="accent-[var(--color-accent)]" />
            {r === 'GLOBAL' ? 'Global' : 'Domain'}
          </label>
        ))}
      </div>
      {role === 'DOMAIN' ? (
        <div className="max-h-40 space-y-1 overflow-y-auto rounded-md border border-border p-2" aria-describedby={`${id}-domains-error`}>
          {domains.map((d) => (
            <label key={d.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="domains" value={d.name} defaultChecked={chosen.includes(d.name)} className="size-4 accent-[var(--color-accent)]" />
              {d.displayName}
            </label>
          ))}
        </div>
      ) : null}
      <p id={`${id}-domains-error`} aria-live="polite" className="text-sm text-danger">
        {errors.domains ?? errors.role ?? ''}
      </p>
      <Alert tone={state.ok ? 'ok' : 'danger'}>{state.ok || !(errors.domains || errors.role) ? state.message : undefined}</Alert>
      <Button type="submit" size="sm" variant="secondary" disabled={pending} aria-disabled={pending}>
        {pending ? 'Saving…' : 'Save'}
      </Button>
    </form>
  );
}
