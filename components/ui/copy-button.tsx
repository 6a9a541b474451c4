'use client';

import { useState } from 'react';
import { Button } from './button';

/** Copies a value (a DNS record, a key); the Clipboard API exists only in secure contexts (https or localhost). */
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
