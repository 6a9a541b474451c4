'use client';

import { useFormStatus } from 'react-dom';
import { Button } from './button';

/** A submit button that disables itself and says so while its form is pending. */
export function SubmitButton({
  children,
  pendingText,
  variant,
  size,
  className,
  pending: pendingProp,
}: {
  children: React.ReactNode;
  pendingText?: string;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  size?: 'sm' | 'md';
  className?: string;
  /** For forms submitted from onSubmit (useFormAction), where useFormStatus does not apply. */
  pending?: boolean;
}) {
  const status = useFormStatus();
  const pending = pendingProp ?? status.pending;
  return (
    <Button type="submit" variant={variant} size={size} className={className} disabled={pending} aria-disabled={pending}>
      {pending ? (pendingText ?? 'Working…') : children}
    </Button>
  );
}
