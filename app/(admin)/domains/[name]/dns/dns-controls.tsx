'use client';

import { useActionState, useState } from 'react';
import { Button } from '@/components/ui/button';
import { SubmitButton } from '@/components/ui/submit-button';
import { checkDnsAction } from './actions';

export function CheckNowButton({ name }: { name: string }) {
  const [state, action] = useActionState(checkDnsAction, {});
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="name" value={name} />
      <SubmitButton pendingText="Checking…">Check now</SubmitButton>
      <span role={state.ok === false ? 'alert' : 'status'} aria-live="polite" className={state.ok === false ? 'text-sm text-danger' : 'text-sm text-muted'}>
        {state.ok === false ? (state.fieldErrors?.name ?? state.message) : state.message}
      </span>
    </form>
  );
}

/** Copies a record's value; the Clipboard API exists only in secure contexts (https or localhost). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label={`Copy ${label}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied('yes');
        } catch {
          setCopied('no');
        }
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy' : 'Copy'}
    </Button>
  );
}
