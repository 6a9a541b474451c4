'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button, buttonClass } from '@/components/ui/button';
import { CreateFormActions } from '@/components/ui/create-page';
import { Field } from '@/components/ui/field';
import { Checkbox, Input, Select } from '@/components/ui/input';
import { PasswordInput } from '@/components/ui/password-input';
import { QuotaInput } from '@/components/ui/quota-input';
import { useFormAction } from '@/components/ui/use-form-action';
import type { DomainMailboxDefaults } from '@/lib/dal/mailboxes';
import { createMailboxAction } from '../actions';

export function CreateMailboxForm({
  domains,
  defaults,
  initialDomain,
}: {
  domains: { name: string; label: string }[];
  defaults: Record<string, DomainMailboxDefaults>;
  initialDomain?: string;
}) {
  const { state, action, onSubmit, pending } = useFormAction(createMailboxAction, {});
  const [domain, setDomain] = useState(initialDomain ?? domains[0]?.name ?? '');
  // Controlled fields: React resets uncontrolled ones after every action, and a
  // refused submit must keep what the admin typed.
  const [localPart, setLocalPart] = useState('');
  const [name, setName] = useState('');
  const [enabled, setEnabled] = useState(true);
  const d = defaults[domain] ?? Object.values(defaults)[0];
  const errors = state.fieldErrors ?? {};

  if (state.ok && state.data?.generatedPassword) {
    return (
      <>
        <Alert tone="ok">{state.message}</Alert>
        <p className="mt-4 text-sm">
          Generated password for <strong>{state.data.address}</strong> — shown once, copy it now:
        </p>
        <p className="mt-2 rounded-md bg-surface-2 p-3 font-mono text-base select-all" data-testid="generated-password">
          {state.data.generatedPassword}
        </p>
        <div className="mt-4 flex gap-2">
          <Link className={buttonClass('primary')} href={`/mailboxes?q=${encodeURIComponent(state.data.address)}`}>
            Done
          </Link>
          {/* A fresh page load, so the password does not stay in this page's memory. */}
          <Button variant="secondary" onClick={() => window.location.reload()}>
            Create another
          </Button>
        </div>
      </>
    );
  }

  if (!domains.length) {
    return (
      <p className="text-sm">
        There is no domain to create a mailbox in yet.{' '}
        <Link className="text-accent underline" href="/domains">
          Add a domain first.
        </Link>
      </p>
    );
  }

  return (
    <form action={action} onSubmit={onSubmit} className="grid gap-5" aria-label="New mailbox" noValidate>
      <div className="space-y-1">
        <span id="address-label" className="block text-sm font-medium">
          Address
        </span>
        <div className="flex flex-wrap items-center gap-2" role="group" aria-labelledby="address-label">
          <Input
            id="localPart"
            name="localPart"
            aria-label="Local part (before @)"
            placeholder="alice"
            // The page exists to fill in this form: start where the typing starts.
            autoFocus
            autoComplete="off"
            spellCheck={false}
            value={localPart}
            onChange={(e) => setLocalPart(e.target.value)}
            aria-invalid={Boolean(errors.address || errors.localPart)}
            aria-describedby="address-error"
            required
            className="min-w-40 flex-1"
          />
          <span aria-hidden="true" className="text-muted">
            @
          </span>
          <Select
            id="domain"
            name="domain"
            aria-label="Domain"
            value={domain}
            onChange={(e) => setDomain(e.target.value)}
            aria-invalid={Boolean(errors.domain)}
            aria-describedby="address-error"
            className="min-w-48 flex-1"
          >
            {domains.map((o) => (
              <option key={o.name} value={o.name}>
                {o.label}
              </option>
            ))}
          </Select>
        </div>
        <p id="address-error" aria-live="polite" className="text-sm text-danger" data-field-error="address">
          {errors.address ?? errors.localPart ?? errors.domain ?? ''}
        </p>
      </div>

      <Field id="name" label="Display name" error={errors.name} hint="Optional, e.g. Alice Example.">
        {(a) => <Input {...a} name="name" autoComplete="off" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>

      {d ? (
        <PasswordInput
          id="password"
          rules={d.password}
          address={localPart ? `${localPart}@${domain}` : undefined}
          error={errors.password}
          optionalHint="Leave empty to generate one (shown once)."
        />
      ) : null}

      <QuotaInput
        key={domain}
        id="quota"
        bytes={d?.defaultQuotaBytes ?? 1024 ** 3}
        error={errors.quota}
        hint="The domain's default is filled in. 1 GiB = 1024 MiB."
      />

      <Checkbox
        name="enabled"
        label="Enabled (can receive mail and sign in)"
        checked={enabled}
        onChange={(e) => setEnabled(e.target.checked)}
      />

      <Alert>{state.ok === false && !state.fieldErrors ? state.message : undefined}</Alert>
      <CreateFormActions submit="Create mailbox" pendingText="Creating…" pending={pending} cancelHref="/mailboxes" />
    </form>
  );
}
