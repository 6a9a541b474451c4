'use client';

import { useState } from 'react';
import { Button, type Size, type Variant } from './button';

/**
 * Copies a value (a DNS record, a key, recovery codes). The Clipboard API exists only in secure
 * contexts (https or localhost), so a refusal says what to do instead (`failed`).
 */
export function CopyButton({
  text,
  label,
  variant = 'ghost',
  size = 'sm',
  failed = 'Select and copy',
}: {
  text: string;
  /** What is copied, for the accessible name ("Copy <label>"); omit when the button's text says enough. */
  label?: string;
  variant?: Variant;
  size?: Size;
  failed?: string;
}) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <Button
      variant={variant}
      size={size}
      aria-label={label ? `Copy ${label}` : undefined}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied('yes');
        } catch {
          setCopied('no');
        }
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? failed : 'Copy'}
    </Button>
  );
}
