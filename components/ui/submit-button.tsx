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
}: {
  children: React.ReactNode;
  pendingText?: string;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  size?: 'sm' | 'md';
  className?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" variant={variant} size={size} className={className} disabled={pending} aria-disabled={pending}>
      {pending ? (pendingText ?? 'Working…') : children}
    </Button>
  );
}
