'use client';

import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { Card, CardTitle } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { SubmitButton } from '@/components/ui/submit-button';
import { useFormAction } from '@/components/ui/use-form-action';
import type { FormState } from '@/lib/forms/state';

type CodesAction = (state: FormState<{ recoveryCodes: string[] }>, formData: FormData) => Promise<FormState<{ recoveryCodes: string[] }>>;

/** The recovery codes, shown once, with copy and download; gone when the page is left. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const text = codes.join('\n') + '\n';
  return (
    <section aria-labelledby="recovery-title" className="space-y-3 rounded-lg border border-warn bg-warn-bg p-4">
      <h2 id="recovery-title" className="font-semibold text-warn">
        Your recovery codes
      </h2>
      <p className="text-sm">
        Each code signs you in once instead of an authenticator code — for when your phone is lost. Store them somewhere safe now: this is the only
        time they are shown. Postern keeps only their hashes.
      </p>
      <ol className="grid grid-cols-2 gap-x-6 gap-y-1 font-mono text-sm sm:grid-cols-3" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={text} variant="secondary" size="md" failed="Copy failed: use Download" />
        <Button
          variant="secondary"
          onClick={() => {
            const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
            const a = document.createElement('a');
            a.href = url;
            a.download = 'postern-recovery-codes.txt';
            a.click();
            URL.revokeObjectURL(url);
          }}
        >
          Download
        </Button>
      </div>
    </section>
  );
}

/**
 * Steps 1 and 2 of enrolment: the QR code (and the key as text), then a code from the
 * app proves it has the secret. Once verified, the QR code disappears and the recovery
 * codes are shown instead — once.
 */
export function Enrolment({
  qr,
  secret,
  verify,
  begin,
}: {
  qr: string;
  secret: string;
  verify: CodesAction;
  begin: (state: FormState, formData: FormData) => Promise<FormState>;
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(verify, {} as FormState<{ recoveryCodes: string[] }>);
  if (state.ok && state.data) {
    return (
      <div className="max-w-2xl space-y-4">
        <Alert tone="ok">{state.message}</Alert>
        <RecoveryCodes codes={state.data.recoveryCodes} />
        <Link className="text-sm underline" href="/admins/me">
          I have stored them — back to my account
        </Link>
      </div>
    );
  }
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card className="space-y-3">
        <CardTitle>1. Scan this code with your app</CardTitle>
        {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL, nothing to optimise */}
        <img src={qr} width={240} height={240} alt="QR code to add this account to an authenticator app" className="rounded bg-white p-2" />
        <p className="text-sm">
          Or type this key:{' '}
          <code className="select-all break-all font-mono" data-testid="totp-secret">
            {secret}
          </code>
        </p>
        <p className="text-xs text-muted">Time-based, 6 digits, every 30 seconds (SHA-1).</p>
      </Card>
      <Card className="h-fit space-y-3">
        <CardTitle>2. Enter the code it shows</CardTitle>
        <form action={formAction} onSubmit={onSubmit} className="max-w-xs space-y-3" aria-label="Verify authenticator code">
          <Field id="totp-code" label="6-digit code from the app" error={state.fieldErrors?.code}>
            {(c) => (
              <Input
                {...c}
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9 ]{6,7}"
                maxLength={7}
                required
                className="font-mono tracking-widest"
              />
            )}
          </Field>
          <Alert>{state.fieldErrors?.code ? undefined : state.message}</Alert>
          <SubmitButton pendingText="Checking…" pending={pending}>Verify and turn on</SubmitButton>
        </form>
        <BeginForm action={begin} label="Start over with a new key" variant="ghost" />
      </Card>
    </div>
  );
}

/** With TOTP on: new recovery codes (the old ones stop working), proved by a current code. */
export function RegenerateForm({ action }: { action: CodesAction }) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState<{ recoveryCodes: string[] }>);
  if (state.ok && state.data) return <RecoveryCodes codes={state.data.recoveryCodes} />;
  return (
    <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" aria-label="New recovery codes">
      <Field id="regen-code" label="Current authenticator code" error={state.fieldErrors?.code}>
        {(c) => <Input {...c} name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={7} required className="w-32 font-mono" />}
      </Field>
      <SubmitButton variant="secondary" pendingText="Generating…" pending={pending}>
        New recovery codes
      </SubmitButton>
      <Alert className="w-full">{state.fieldErrors?.code ? undefined : state.message}</Alert>
    </form>
  );
}

/** Turning TOTP off needs the password again. */
export function DisableForm({ action }: { action: (state: FormState, formData: FormData) => Promise<FormState> }) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  return (
    <form action={formAction} onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" aria-label="Turn off two-factor authentication">
      <Field id="disable-password" label="Your password" error={state.fieldErrors?.password}>
        {(c) => <Input {...c} name="password" type="password" autoComplete="current-password" required className="w-64" />}
      </Field>
      <SubmitButton variant="danger" pendingText="Turning off…" pending={pending}>
        Turn off
      </SubmitButton>
      <Alert className="w-full">{state.fieldErrors?.password ? undefined : state.message}</Alert>
    </form>
  );
}

/** Creates a (new) secret; the page then shows its QR code. */
export function BeginForm({
  action,
  label,
  variant = 'primary',
}: {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  label: string;
  variant?: 'primary' | 'ghost';
}) {
  const { state, action: formAction, onSubmit, pending } = useFormAction(action, {} as FormState);
  return (
    <form action={formAction} onSubmit={onSubmit} className="space-y-2">
      <SubmitButton variant={variant} pendingText="Preparing…" pending={pending}>
        {label}
      </SubmitButton>
      <Alert>{state.ok ? undefined : state.message}</Alert>
    </form>
  );
}
