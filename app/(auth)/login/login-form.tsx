'use client';

import { TwoStepSignIn } from '@/components/sign-in/two-step-sign-in';
import { safeCallbackPath } from '@/lib/dal/redirect';

const MESSAGES: Record<string, string> = {
  invalid: 'Wrong email or password.',
  throttled: 'Too many failed sign-ins. Wait a few minutes, then try again.',
  totp_invalid: 'That code is not valid. Try the current code from your app, or a recovery code.',
};

/** The admin's sign-in: email + password, then the TOTP code or a recovery code when the account has TOTP. */
export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  return (
    <TwoStepSignIn
      provider="credentials"
      identity={{ name: 'email', label: 'Email' }}
      messages={MESSAGES}
      code={{ hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.', maxLength: 64 }}
      destination={safeCallbackPath(callbackUrl)}
      unreachable="The panel could not be reached. Try again."
    />
  );
}
