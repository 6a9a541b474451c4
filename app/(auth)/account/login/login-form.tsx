'use client';

import { signIn } from 'next-auth/react';
import { useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

const MESSAGES: Record<string, string> = {
  invalid: 'Wrong address or password.',
  throttled: 'Too many failed sign-ins. Wait a few minutes, then try again.',
  totp_invalid: 'That code is not valid. Try the current code from your app.',
};

/**
 * The mailbox owner's sign-in (next-auth's "mailbox" provider), landing in /account. Two steps
 * in one form when the owner turned on two-factor authentication: address + password, then the
 * code from the app.
 */
export function MailUserLoginForm() {
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
      const res = await signIn('mailbox', {
        redirect: false,
        address: String(form.get('address') ?? ''),
        password: String(form.get('password') ?? ''),
        code: step === 'code' ? String(form.get('code') ?? '') : '',
      });
      if (res?.ok && !res.error) {
        // A full load with the new session cookie, as the admin sign-in does: no client state of the signed-out page survives.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination
        window.location.assign('/account');
        return;
      }
      if (res?.error === 'totp_required') {
        setStep('code');
        setTimeout(() => codeRef.current?.focus(), 0);
        return;
      }
      setError(MESSAGES[res?.error ?? ''] ?? 'Sign-in failed. Try again.');
    } catch {
      setError('The server could not be reached. Try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className={step === 'code' ? 'hidden' : 'space-y-4'}>
        <Field id="address" label="Email address">
          {(a) => <Input {...a} name="address" type="email" autoComplete="username" required autoFocus />}
        </Field>
        <Field id="password" label="Password">
          {(a) => <Input {...a} name="password" type="password" autoComplete="current-password" required />}
        </Field>
      </div>
      {step === 'code' ? (
        <Field id="code" label="Authentication code" hint="The 6-digit code from your authenticator app.">
          {(a) => <Input {...a} ref={codeRef} name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={6} />}
        </Field>
      ) : null}
      <Alert>{error}</Alert>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : step === 'code' ? 'Verify' : 'Sign in'}
      </Button>
    </form>
  );
}
