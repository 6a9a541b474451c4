'use client';
// Over 300 lines: one client form holding every policy section and its field errors.

import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Input, Select, Textarea } from '@/components/ui/input';
import { Button } from '@/components/ui/button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import {
  OUTBOUND_TLS,
  OUTBOUND_TLS_LABEL,
  POLICY_GROUPS,
  SMARTHOST_SECURITY,
  SMARTHOST_SECURITY_LABEL,
  TLS_VERSIONS,
  limitsText,
  smarthostName,
  type PolicyField,
} from './fields';
import { describeValue, modeName, tlsRuleName, type PolicyFormValue, type TlsRuleValue } from './parse';

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
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
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
      onSubmit={onSubmit}
      // Our own messages (parse.ts), never the browser's "Please match the requested format."
      noValidate
      className="space-y-6"
      aria-describedby="policy-status"
    >
      {domainId ? <input type="hidden" name="domainId" value={domainId} /> : null}
      {scope === 'domain' ? (
        <p className="text-sm text-muted">
          Only the settings applied per domain are listed. TLS, password login without TLS, recipients per message, sender addresses, relay
          networks, DNS blocklists and the admins&apos; second factor are decided before the recipient&apos;s domain is known, so they are set in
          the global policy.
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
                // Lists and the relay need the width; the others sit beside their explanation.
                const wide = field.kind === 'tls-rules' || field.kind === 'smarthost';
                return (
                  <div
                    key={field.path}
                    data-policy-field={field.path}
                    className={wide ? 'grid gap-2 py-3' : 'grid gap-2 py-3 md:grid-cols-[minmax(0,1fr)_minmax(0,20rem)] md:gap-6'}
                  >
                    <div>
                      {field.kind === 'boolean' ? (
                        // The checkbox carries the setting's name itself; a second label would make it "… On".
                        <span className="block text-sm font-medium">{field.label}</span>
                      ) : (
                        <label htmlFor={`p-${field.path}`} className="block text-sm font-medium">
                          {field.label}
                        </label>
                      )}
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
                      {field.kind === 'smarthost' ? (
                        <SmarthostControl values={values} errors={errors} onChange={set} />
                      ) : (
                        <Control field={field} value={active ? values[field.path] : inherited[field.path]} disabled={!active} error={errors[field.path]} onChange={set} />
                      )}
                      {limitsText(field) ? (
                        <p id={`p-${field.path}-limits`} className="text-xs text-muted" data-limits={field.path}>
                          {limitsText(field)}
                        </p>
                      ) : null}
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
    'aria-describedby': `p-${field.path}-hint${limitsText(field) ? ` p-${field.path}-limits` : ''} p-${field.path}-error`,
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
          {field.label}
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
        <span className="flex items-center gap-2">
          <span className="min-w-0 flex-1">
            <Input {...common} inputMode="numeric" value={String(value ?? '')} onChange={(e) => onChange(field.path, e.target.value)} />
          </span>
          {field.unit ? <span className="text-sm text-muted">{field.unit}</span> : null}
        </span>
      );
    case 'outbound-tls':
      return (
        <Select {...common} value={String(value ?? 'opportunistic')} onChange={(e) => onChange(field.path, e.target.value)}>
          {OUTBOUND_TLS.map((v) => (
            <option key={v} value={v}>
              {OUTBOUND_TLS_LABEL[v]}
            </option>
          ))}
        </Select>
      );
    case 'tls-rules':
      return <TlsRulesControl field={field} rules={Array.isArray(value) ? value : []} disabled={disabled} onChange={onChange} />;
    case 'choice':
      return (
        <Select {...common} value={String(value ?? '')} onChange={(e) => onChange(field.path, e.target.value)}>
          {field.options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </Select>
      );
    case 'zone-list':
      return (
        <Textarea
          {...common}
          rows={3}
          spellCheck={false}
          placeholder={field.placeholder}
          className="font-mono"
          value={String(value ?? '')}
          onChange={(e) => onChange(field.path, e.target.value)}
        />
      );
    default:
      return (
        <Input
          {...common}
          spellCheck={false}
          placeholder={field.kind === 'bytes' ? '50M' : field.placeholder}
          className={field.kind === 'text' ? 'w-24 font-mono' : field.kind === 'record' || field.kind === 'address' ? 'font-mono' : undefined}
          value={String(value ?? '')}
          onChange={(e) => onChange(field.path, e.target.value)}
        />
      );
  }
}

/** The per-destination rules: one row per recipient domain, added and removed in place. */
function TlsRulesControl({
  field,
  rules,
  disabled,
  onChange,
}: {
  field: PolicyField;
  rules: TlsRuleValue[];
  disabled: boolean;
  onChange: (path: string, value: PolicyFormValue) => void;
}) {
  const update = (i: number, patch: Partial<TlsRuleValue>) => onChange(field.path, rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2" id={`p-${field.path}`} aria-describedby={`p-${field.path}-hint p-${field.path}-error`}>
      {rules.length === 0 ? <p className="text-sm text-muted">No rules: every destination gets the requirement above.</p> : null}
      {rules.map((rule, i) => (
        <div key={i} className="grid items-center gap-2 sm:grid-cols-[minmax(0,18rem)_minmax(0,20rem)_auto]" data-tls-rule={i}>
          <Input
            name={tlsRuleName(field.path, i, 'domain')}
            aria-label={`Rule ${i + 1}: recipient domain`}
            placeholder="partner.example"
            spellCheck={false}
            className="font-mono"
            disabled={disabled}
            value={rule.domain}
            onChange={(e) => update(i, { domain: e.target.value })}
          />
          <Select
            name={tlsRuleName(field.path, i, 'tls')}
            aria-label={`Rule ${i + 1}: TLS requirement`}
            disabled={disabled}
            value={rule.tls}
            onChange={(e) => update(i, { tls: e.target.value as TlsRuleValue['tls'] })}
          >
            {OUTBOUND_TLS.map((v) => (
              <option key={v} value={v}>
                {OUTBOUND_TLS_LABEL[v]}
              </option>
            ))}
          </Select>
          <Button variant="secondary" className="justify-self-start" disabled={disabled} onClick={() => onChange(field.path, rules.filter((_, j) => j !== i))}>
            Remove
          </Button>
        </div>
      ))}
      <Button variant="secondary" disabled={disabled} onClick={() => onChange(field.path, [...rules, { domain: '', tls: 'require-verified' }])}>
        Add a rule
      </Button>
    </div>
  );
}

/**
 * The relay: on/off, where, how, and who. The password is write-only: the page only
 * knows whether one is stored; an empty field keeps it, "clear" forgets it.
 */
function SmarthostControl({
  values,
  errors,
  onChange,
}: {
  values: Values;
  errors: Record<string, string>;
  onChange: (path: string, value: PolicyFormValue) => void;
}) {
  const v = (key: Parameters<typeof smarthostName>[0]) => values[smarthostName(key)];
  const enabled = Boolean(v('enabled'));
  const passwordSet = Boolean(v('passwordSet'));
  const part = (key: Parameters<typeof smarthostName>[0], label: string, control: React.ReactNode, hint?: string) => (
    <div className="space-y-1">
      <label htmlFor={`p-smarthost-${key}`} className="block text-sm font-medium">
        {label}
      </label>
      {control}
      {hint ? <p className="text-xs text-muted">{hint}</p> : null}
      <p id={`p-smarthost-${key}-error`} aria-live="polite" className="text-sm text-danger" data-field-error={smarthostName(key)}>
        {errors[smarthostName(key)] ?? ''}
      </p>
    </div>
  );
  const common = (key: Parameters<typeof smarthostName>[0]) => ({
    id: `p-smarthost-${key}`,
    name: smarthostName(key),
    'aria-invalid': Boolean(errors[smarthostName(key)]),
    'aria-describedby': `p-smarthost-${key}-error`,
  });
  return (
    <div className="space-y-3" data-testid="smarthost">
      <label className="inline-flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          className="size-4 accent-[var(--color-accent)]"
          id="p-smarthost"
          name={smarthostName('enabled')}
          checked={enabled}
          onChange={(e) => onChange(smarthostName('enabled'), e.target.checked)}
        />
        Send outbound mail through a smarthost
      </label>
      {enabled ? (
        <div className="grid gap-x-6 gap-y-1 rounded-md border border-border bg-surface-2 p-3 md:grid-cols-2">
          {part(
            'host',
            'Host',
            <Input {...common('host')} spellCheck={false} placeholder="smtp.provider.example" className="font-mono" value={String(v('host') ?? '')} onChange={(e) => onChange(smarthostName('host'), e.target.value)} />,
          )}
          {part(
            'port',
            'Port',
            <Input {...common('port')} inputMode="numeric" value={String(v('port') ?? '587')} onChange={(e) => onChange(smarthostName('port'), e.target.value)} />,
          )}
          {part(
            'security',
            'Security',
            <Select {...common('security')} value={String(v('security') ?? 'starttls')} onChange={(e) => onChange(smarthostName('security'), e.target.value)}>
              {SMARTHOST_SECURITY.map((s) => (
                <option key={s} value={s}>
                  {SMARTHOST_SECURITY_LABEL[s]}
                </option>
              ))}
            </Select>,
            'With a user name, the relay\'s certificate must verify before the password is sent (RFC 8314).',
          )}
          {part(
            'username',
            'User name',
            <Input {...common('username')} spellCheck={false} autoComplete="off" value={String(v('username') ?? '')} onChange={(e) => onChange(smarthostName('username'), e.target.value)} />,
            'Empty: the relay is used without AUTH.',
          )}
          {part(
            'password',
            'Password',
            <Input
              {...common('password')}
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              placeholder={passwordSet ? '•••••••• (stored; type to replace)' : 'not set'}
              value={String(v('password') ?? '')}
              onChange={(e) => onChange(smarthostName('password'), e.target.value)}
            />,
            passwordSet ? 'A password is stored (sealed with the master key). Leave empty to keep it.' : 'No password is stored.',
          )}
          <div className="space-y-1 self-center">
            {passwordSet ? (
              <label className="inline-flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className="size-4 accent-[var(--color-accent)]"
                  name={smarthostName('clearPassword')}
                  checked={Boolean(v('clearPassword'))}
                  onChange={(e) => onChange(smarthostName('clearPassword'), e.target.checked)}
                />
                Clear the stored password
              </label>
            ) : null}
          </div>
          <div className="md:col-span-2">
            {part(
              'domains',
              'Only for these recipient domains',
              <Textarea
                {...common('domains')}
                rows={2}
                spellCheck={false}
                placeholder="empty: all outbound mail"
                className="font-mono"
                value={String(v('domains') ?? '')}
                onChange={(e) => onChange(smarthostName('domains'), e.target.value)}
              />,
              'One per line or comma separated; mail to other domains goes to their MX. Empty: all outbound mail.',
            )}
          </div>
        </div>
      ) : null}
    </div>
  );
}
