'use client';

import { signIn } from 'next-auth/react';
import { useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

export interface TwoStepSignInProps {
  /** The next-auth credentials provider to sign in with. */
  provider: string;
  /** The form field naming the account, as the provider reads it. */
  identity: { name: string; label: string };
  /** Texts for the provider's error codes (`invalid`, `throttled`, `totp_invalid`). */
  messages: Record<string, string>;
  code: { hint: string; maxLength: number };
  /** Where a signed-in user lands. */
  destination: string;
  unreachable: string;
}

/**
 * Two steps in one form: account + password, then — only when the account has TOTP enabled
 * and the password was right — the authentication code. After sign-in a full load with the
 * new session cookie: no client state of the signed-out page survives, and the server decides
 * where it lands (e.g. the TOTP enrolment page when the policy requires it).
 */
export function TwoStepSignIn({ provider, identity, messages, code, destination, unreachable }: TwoStepSignInProps) {
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
      const res = await signIn(provider, {
        redirect: false,
        [identity.name]: String(form.get(identity.name) ?? ''),
        password: String(form.get('password') ?? ''),
        code: step === 'code' ? String(form.get('code') ?? '') : '',
      });
      if (res?.ok && !res.error) {
        window.location.assign(destination);
        return;
      }
      if (res?.error === 'totp_required') {
        setStep('code');
        setTimeout(() => codeRef.current?.focus(), 0);
        return;
      }
      setError(messages[res?.error ?? ''] ?? 'Sign-in failed. Try again.');
    } catch {
      setError(unreachable);
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className={step === 'code' ? 'hidden' : 'space-y-4'}>
        <Field id={identity.name} label={identity.label}>
          {(a) => <Input {...a} name={identity.name} type="email" autoComplete="username" required autoFocus />}
        </Field>
        <Field id="password" label="Password">
          {(a) => <Input {...a} name="password" type="password" autoComplete="current-password" required />}
        </Field>
      </div>
      {step === 'code' ? (
        <Field id="code" label="Authentication code" hint={code.hint}>
          {(a) => <Input {...a} ref={codeRef} name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={code.maxLength} />}
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
