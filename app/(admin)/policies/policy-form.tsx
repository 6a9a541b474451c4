'use client';

import { useActionState, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Input, Select, Textarea } from '@/components/ui/input';
import { Button } from '@/components/ui/button';
import type { FormState } from '@/lib/forms/state';
import { submitWithoutReset } from '@/lib/forms/submit';
import { POLICY_GROUPS, TLS_VERSIONS, type PolicyField } from './fields';
import { describeValue, modeName, type PolicyFormValue } from './parse';

type Values = Record<string, PolicyFormValue>;

/**
 * The global policy (every field set) or one domain's overrides (each field either
 * inherits the global value or overrides it). Controlled, so a refused save keeps
 * what the admin typed.
 */
export function PolicyForm({
  action,
  scope,
  domainId,
  initial,
  inherited,
  version,
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  scope: 'global' | 'domain';
  domainId?: string;
  /** Global: the stored-or-default values. Domain: the override's values only. */
  initial: Values;
  /** Domain: the global values a field falls back to. */
  inherited: Values;
  /** Changes when the stored settings change (saved here, cleared, or by another admin). */
  version: string;
}) {
  const [state, formAction, pending] = useActionState(action, {} as FormState);
  const [values, setValues] = useState<Values>(() => ({ ...inherited, ...initial }));
  const [overridden, setOverridden] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(Object.keys(initial).map((k) => [k, true])),
  );
  // When the stored settings change, show them (React's "adjust state on prop change").
  const [seen, setSeen] = useState(version);
  if (seen !== version) {
    setSeen(version);
    setValues({ ...inherited, ...initial });
    setOverridden(Object.fromEntries(Object.keys(initial).map((k) => [k, true])));
  }
  const errors = state.fieldErrors ?? {};
  const set = (path: string, value: PolicyFormValue) => setValues((v) => ({ ...v, [path]: value }));

  return (
    <form
      action={formAction}
      onSubmit={submitWithoutReset(formAction)}
      className="space-y-6"
      aria-describedby="policy-status"
    >
      {domainId ? <input type="hidden" name="domainId" value={domainId} /> : null}
      {scope === 'domain' ? (
        <p className="text-sm text-muted">
          Only the settings applied per domain are listed. TLS, password login without TLS, recipients per message, sender addresses, relay
          networks and the admins&apos; second factor are decided before the recipient&apos;s domain is known, so they are set in the global policy.
        </p>
      ) : null}
      {POLICY_GROUPS.map((group) => {
        const fields = group.fields.filter((f) => scope === 'global' || !f.globalOnly);
        if (!fields.length) return null;
        return (
          <fieldset key={group.title} className="rounded-lg border border-border bg-surface p-4">
            <legend className="px-1 text-sm font-semibold">{group.title}</legend>
            <div className="divide-y divide-border">
              {fields.map((field) => {
                const active = scope === 'global' || overridden[field.path];
                return (
                  <div key={field.path} className="grid gap-2 py-3 md:grid-cols-[minmax(0,1fr)_minmax(0,20rem)] md:gap-6">
                    <div>
                      <label htmlFor={`p-${field.path}`} className="block text-sm font-medium">
                        {field.label}
                      </label>
                      <p id={`p-${field.path}-hint`} className="mt-0.5 text-xs text-muted">
                        {field.help}
                        {field.rfc ? (
                          <>
                            {' '}
                            <a className="underline" href={field.rfc.href} target="_blank" rel="noreferrer">
                              {field.rfc.label}
                            </a>
                          </>
                        ) : null}
                      </p>
                    </div>
                    <div className="space-y-1.5">
                      {scope === 'domain' ? (
                        <Select
                          name={modeName(field.path)}
                          aria-label={`${field.label}: inherit or override`}
                          value={overridden[field.path] ? 'override' : 'inherit'}
                          onChange={(e) => setOverridden((o) => ({ ...o, [field.path]: e.target.value === 'override' }))}
                        >
                          <option value="inherit">Inherit global ({describeValue(field, inherited[field.path])})</option>
                          <option value="override">Override for this domain</option>
                        </Select>
                      ) : null}
                      <Control field={field} value={active ? values[field.path] : inherited[field.path]} disabled={!active} error={errors[field.path]} onChange={set} />
                      <p id={`p-${field.path}-error`} aria-live="polite" className="text-sm text-danger" data-field-error={field.path}>
                        {errors[field.path] ?? ''}
                      </p>
                    </div>
                  </div>
                );
              })}
            </div>
          </fieldset>
        );
      })}
      <div id="policy-status">
        <Alert tone={state.ok ? 'ok' : 'danger'}>{state.message}</Alert>
        {errors._form ? <Alert>{errors._form}</Alert> : null}
      </div>
      <Button type="submit" disabled={pending} aria-disabled={pending}>
        {pending ? 'Saving…' : scope === 'global' ? 'Save global policy' : 'Save domain overrides'}
      </Button>
    </form>
  );
}

function Control({
  field,
  value,
  disabled,
  error,
  onChange,
}: {
  field: PolicyField;
  value: PolicyFormValue | undefined;
  disabled: boolean;
  error?: string;
  onChange: (path: string, value: PolicyFormValue) => void;
}) {
  const common = {
    id: `p-${field.path}`,
    name: field.path,
    disabled,
    'aria-invalid': Boolean(error),
    'aria-describedby': `p-${field.path}-hint p-${field.path}-error`,
  };
  switch (field.kind) {
    case 'boolean':
      return (
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-[var(--color-accent)]"
            {...common}
            checked={Boolean(value)}
            onChange={(e) => onChange(field.path, e.target.checked)}
          />
          {value ? 'On' : 'Off'}
        </label>
      );
    case 'tls-version':
      return (
        <Select {...common} value={String(value ?? '')} onChange={(e) => onChange(field.path, e.target.value)}>
          {TLS_VERSIONS.map((v) => (
            <option key={v} value={v}>
              {v.replace('TLSv', 'TLS ')}
            </option>
          ))}
        </Select>
      );
    case 'cidr-list':
      return (
        <Textarea
          {...common}
          rows={3}
          spellCheck={false}
          placeholder={'192.0.2.0/24\n2001:db8::/32'}
          className="font-mono"
          value={String(value ?? '')}
          onChange={(e) => onChange(field.path, e.target.value)}
        />
      );
    case 'integer':
      return (
        <Input
          {...common}
          inputMode="numeric"
          pattern="[0-9]*"
          value={String(value ?? '')}
          onChange={(e) => onChange(field.path, e.target.value)}
        />
      );
    default:
      return (
        <Input
          {...common}
          spellCheck={false}
          placeholder={field.kind === 'bytes' ? '50M' : undefined}
          className={field.kind === 'text' ? 'w-24 font-mono' : undefined}
          value={String(value ?? '')}
          onChange={(e) => onChange(field.path, e.target.value)}
        />
      );
  }
}
