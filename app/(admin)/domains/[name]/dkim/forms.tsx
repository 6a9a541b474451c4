'use client';

import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardTitle } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { Input, Select } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';
import { activateDkimKeyAction, checkDkimDnsAction, generateDkimKeyAction, retireDkimKeyAction } from './actions';

// The DKIM page's small forms: each posts to its Server Action and shows the outcome beside it.

export function GenerateKeyForm({ domain }: { domain: string }) {
  const { state, action, onSubmit, pending } = useFormAction(generateDkimKeyAction, {});
  const e = state.fieldErrors ?? {};
  const v = state.values ?? {};
  return (
    <Card>
      <CardTitle>Generate new key</CardTitle>
      <form action={action} onSubmit={onSubmit} className="mt-3 grid gap-4 md:grid-cols-3" noValidate>
        <input type="hidden" name="domain" value={domain} />
        <Field id="dkim-type" label="Key type" error={e.type} hint="RSA-2048 is verified everywhere; Ed25519 (RFC 8463) is short but not yet verified by every receiver.">
          {(a) => (
            <Select {...a} name="type" defaultValue={v.type ?? 'rsa'}>
              <option value="rsa">RSA-2048</option>
              <option value="ed25519">Ed25519</option>
            </Select>
          )}
        </Field>
        <Field id="dkim-selector" label="Selector (optional)" error={e.selector} hint="One DNS label; default p<date><r|e>, e.g. p20261202r.">
          {(a) => <Input {...a} name="selector" defaultValue={v.selector} placeholder="p20261202r" />}
        </Field>
        <div className="md:pt-6">
          <SubmitButton pending={pending} pendingText="Generating…">Generate new key</SubmitButton>
        </div>
      </form>
      {state.message ? <Alert tone={state.ok ? 'ok' : 'danger'} className="mt-3">{state.message}</Alert> : null}
    </Card>
  );
}

function KeyAction({ action, domain, selector, label, pendingText, disabled, variant }: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  domain: string; selector: string; label: string; pendingText: string; disabled?: boolean; variant?: 'primary' | 'secondary';
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {});
  return (
    <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="domain" value={domain} />
      <input type="hidden" name="selector" value={selector} />
      {disabled ? <Button variant={variant} size="sm" disabled aria-disabled>{label}</Button> : <SubmitButton variant={variant} size="sm" pendingText={pendingText} pending={pending}>{label}</SubmitButton>}
      <span role={state.ok === false ? 'alert' : 'status'} aria-live="polite" className={state.ok === false ? 'text-sm text-danger' : 'text-sm text-ok'}>
        {state.ok === false ? (state.fieldErrors?.selector ?? state.fieldErrors?.domain ?? state.message) : state.message}
      </span>
    </form>
  );
}

export function CheckDnsButton({ domain, selector }: { domain: string; selector: string }) {
  return <KeyAction action={checkDkimDnsAction} domain={domain} selector={selector} label="Check DNS" pendingText="Checking…" variant="secondary" />;
}

/** Enabled only once the last DNS check found the record (a key signs only when verifiers can find it); stays, disabled, on the active key to show the outcome. */
export function ActivateButton({ domain, selector, found }: { domain: string; selector: string; found: boolean }) {
  return <KeyAction action={activateDkimKeyAction} domain={domain} selector={selector} label="Activate" pendingText="Activating…" disabled={!found} />;
}

export function RetireButton({ domain, selector, active }: { domain: string; selector: string; active: boolean }) {
  return (
    <ConfirmDialog
      id={`retire-${selector}`}
      trigger="Retire"
      title={`Retire ${selector}?`}
      body={active
        ? 'This key signs the domain’s mail now. Retired, the domain’s mail leaves unsigned until another key is activated (DMARC may then fail at receivers).'
        : 'The key will never sign again; its record may be removed from DNS afterwards.'}
      confirmLabel="Retire"
      action={retireDkimKeyAction}
      fields={{ domain, selector }}
    />
  );
}
