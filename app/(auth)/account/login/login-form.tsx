'use client';

import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

const MESSAGES: Record<string, string> = {
  invalid: 'Wrong address or password.',
  throttled: 'Too many failed sign-ins. Wait a few minutes, then try again.',
};

/** The mailbox owner's sign-in (next-auth's "mailbox" provider); lands in /account. */
export function MailUserLoginForm() {
  const [error, setError] = useState('');
  const [pending, setPending] = useState(false);

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
      });
      if (res?.ok && !res.error) {
        // A full load with the new session cookie, as the admin sign-in does: no client state of the signed-out page survives.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination
        window.location.assign('/account');
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
      <Field id="address" label="Email address">
        {(a) => <Input {...a} name="address" type="email" autoComplete="username" required autoFocus />}
      </Field>
      <Field id="password" label="Password">
        {(a) => <Input {...a} name="password" type="password" autoComplete="current-password" required />}
      </Field>
      <Alert>{error}</Alert>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
