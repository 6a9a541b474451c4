'use client';

import { TwoStepSignIn } from '@/components/sign-in/two-step-sign-in';

const MESSAGES: Record<string, string> = {
  invalid: 'Wrong address or password.',
  throttled: 'Too many failed sign-ins. Wait a few minutes, then try again.',
  totp_invalid: 'That code is not valid. Try the current code from your app.',
};

/**
 * The mailbox owner's sign-in (next-auth's "mailbox" provider), landing in /account: address +
 * password, then the code from the app when the owner turned on two-factor authentication.
 */
export function MailUserLoginForm() {
  return (
    <TwoStepSignIn
      provider="mailbox"
      identity={{ name: 'address', label: 'Email address' }}
      messages={MESSAGES}
      code={{ hint: 'The 6-digit code from your authenticator app.', maxLength: 6 }}
      destination="/account"
      unreachable="The server could not be reached. Try again."
    />
  );
}
