'use client';

import { signIn } from 'next-auth/react';
import { useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { safeCallbackPath } from '@/lib/dal/redirect';

const MESSAGES: Record<string, string> = {
  invalid: 'Wrong email or password.',
  throttled: 'Too many failed sign-ins. Wait a few minutes, then try again.',
  totp_invalid: 'That code is not valid. Try the current code from your app, or a recovery code.',
};

/**
 * Two steps in one form: email + password, then — only when the account has TOTP
 * enabled and the password was right — the authentication code (or a recovery code).
 */
export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError('');
    try {
      const res = await signIn('credentials', {
        redirect: false,
        email: String(form.get('email') ?? ''),
        password: String(form.get('password') ?? ''),
        code: step === 'code' ? String(form.get('code') ?? '') : '',
      });
      if (res?.ok && !res.error) {
        // A full load with the new session cookie: the server decides where it lands
        // (e.g. the TOTP enrolment page when the policy requires it).
        window.location.assign(safeCallbackPath(callbackUrl));
        return;
      }
      if (res?.error === 'totp_required') {
        setStep('code');
        setTimeout(() => codeRef.current?.focus(), 0);
        return;
      }
      setError(MESSAGES[res?.error ?? ''] ?? 'Sign-in failed. Try again.');
    } catch {
      setError('The panel could not be reached. Try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className={step === 'code' ? 'hidden' : 'space-y-4'}>
        <Field id="email" label="Email">
          {(a) => <Input {...a} name="email" type="email" autoComplete="username" required autoFocus />}
        </Field>
        <Field id="password" label="Password">
          {(a) => <Input {...a} name="password" type="password" autoComplete="current-password" required />}
        </Field>
      </div>
      {step === 'code' ? (
        <Field
          id="code"
          label="Authentication code"
          hint="The 6-digit code from your authenticator app, or one of your recovery codes."
        >
          {(a) => (
            <Input {...a} ref={codeRef} name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={64} />
          )}
        </Field>
      ) : null}
      <Alert>{error}</Alert>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : step === 'code' ? 'Verify' : 'Sign in'}
      </Button>
      {step === 'code' ? (
        <Button
          variant="ghost"
          className="w-full"
          onClick={() => {
            setStep('password');
            setError('');
          }}
        >
          Back
        </Button>
      ) : null}
    </form>
  );
}
