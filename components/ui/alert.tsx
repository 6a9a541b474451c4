import { cn } from './cn';

/** A status line announced to screen readers; renders nothing visible when empty. */
export function Alert({
  tone = 'danger',
  children,
  className,
}: {
  tone?: 'danger' | 'ok';
  children?: React.ReactNode;
  className?: string;
}) {
  return (
    <div role={tone === 'danger' ? 'alert' : 'status'} aria-live="polite" className={className}>
      {children ? (
        <p className={cn('rounded-md px-3 py-2 text-sm', tone === 'danger' ? 'bg-danger-bg text-danger' : 'bg-ok-bg text-ok')}>
          {children}
        </p>
      ) : null}
    </div>
  );
}
