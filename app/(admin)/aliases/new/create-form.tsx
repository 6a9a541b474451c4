'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { CreateFormActions } from '@/components/ui/create-page';
import { Field } from '@/components/ui/field';
import { Input, Select, Textarea } from '@/components/ui/input';
import { useFormAction } from '@/components/ui/use-form-action';
import type { DomainChoice } from '@/lib/forms/domains';
import type { FormState } from '@/lib/forms/state';
import { createAliasAction } from '../actions';

/**
 * New alias: an address (or a domain's catch-all) and where its mail goes. The
 * service checks loops and unknown local destinations; its answers land on the
 * fields they are about. After a refusal the form keeps what was typed.
 */
export function CreateAliasForm({ domains, delimiter }: { domains: DomainChoice[]; delimiter: string }) {
  const { state, action, onSubmit, pending } = useFormAction(createAliasAction, {} as FormState);
  const values = state.values ?? {};
  const [catchAll, setCatchAll] = useState(values.kind === 'catchall');
  const errors = state.fieldErrors ?? {};
  const sourceError = errors.source ?? errors.localPart;

  if (!domains.length) {
    return (
      <p className="text-sm">
        An alias belongs to one of your domains, and there is none yet.{' '}
        <Link className="text-accent underline" href="/domains">
          Add a domain first.
        </Link>
      </p>
    );
  }

  return (
    <form action={action} onSubmit={onSubmit} className="grid gap-5" aria-label="New alias" noValidate>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Receives mail for</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
          <label className="inline-flex items-center gap-2">
            <input type="radio" name="kind" value="address" checked={!catchAll} onChange={() => setCatchAll(false)} className="accent-[var(--color-accent)]" />
            One address
          </label>
          <label className="inline-flex items-center gap-2">
            <input type="radio" name="kind" value="catchall" checked={catchAll} onChange={() => setCatchAll(true)} className="accent-[var(--color-accent)]" />
            Every address of a domain without its own mailbox (catch-all)
          </label>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          {!catchAll ? (
            <div className="min-w-40 flex-1">
              <label htmlFor="alias-local" className="sr-only">
                Local part
              </label>
              <Input
                id="alias-local"
                name="localPart"
                placeholder="sales"
                // Where the typing starts; the choice above already has its usual answer.
                autoFocus
                autoComplete="off"
                spellCheck={false}
                defaultValue={values.localPart}
                aria-invalid={Boolean(sourceError)}
                aria-describedby="alias-source-error"
              />
            </div>
          ) : null}
          <span className="pt-2 text-muted" aria-hidden>
            @
          </span>
          <div className="min-w-48 flex-1">
            <label htmlFor="alias-domain" className="sr-only">
              Domain
            </label>
            <Select id="alias-domain" name="domain" defaultValue={values.domain ?? domains[0].name} aria-invalid={Boolean(errors.domain)} aria-describedby="alias-source-error">
              {domains.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.displayName}
                </option>
              ))}
            </Select>
          </div>
        </div>
        <p id="alias-source-error" aria-live="polite" className="text-sm text-danger" data-field-error="source">
          {sourceError ?? errors.domain ?? ''}
        </p>
      </fieldset>

      <Field
        id="alias-destinations"
        label="Delivers to"
        hint="One address per line (or separated by commas): mailboxes here or addresses anywhere else. An address on one of your domains must exist."
        error={errors.destinations}
      >
        {(control) => (
          <Textarea
            {...control}
            name="destinations"
            rows={3}
            spellCheck={false}
            placeholder={'alice@example.org\nbob@partner.example'}
            defaultValue={values.destinations}
            className="font-mono"
          />
        )}
      </Field>

      {delimiter ? (
        <p className="text-xs text-muted">
          No alias is needed for tags. With plus-addressing, mail to <code>alice{delimiter}newsletters@example.org</code> is delivered
          like mail to <code>alice@example.org</code> (mailbox or alias); an exact alias for the tagged address wins if you create one. The delimiter
          “{delimiter}” is set under Policies.
        </p>
      ) : null}

      <Alert>{state.ok === false && !state.fieldErrors ? state.message : undefined}</Alert>
      <CreateFormActions submit="Add alias" pendingText="Adding…" pending={pending} cancelHref="/aliases" />
    </form>
  );
}
